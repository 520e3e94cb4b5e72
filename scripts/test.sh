#!/usr/bin/env bash
# Sets up (packages, build, install) and runs the whole test suite: unit tests, integration tests through
# real pcscd + vpcd with keydesk-sim and third-party clients, and bounded fuzzing runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# libFuzzer targets need clang; they get their own build tree.
if [ -f fuzz/CMakeLists.txt ] && ls fuzz/fuzz_*.cpp >/dev/null 2>&1; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DKEYDESK_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build-fuzz -j "$(nproc)" --target $(cd fuzz && ls fuzz_*.cpp | sed 's/\.cpp$//' | tr '\n' ' ')
fi

BUILD_DIR=${KEYDESK_BUILD_DIR:-build}
cd "$BUILD_DIR"
ctest --output-on-failure -j "$(nproc)" "$@"
