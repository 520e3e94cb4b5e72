#!/usr/bin/env bash
# Sets up (packages, build, install) and runs the whole test suite: unit tests, integration tests through
# real pcscd + vpcd with keydesk-sim and third-party clients, packaging tests and bounded fuzzing runs
# (build/); then the build matrix of CMakePresets.json:
#   release     what a packager builds (Release, warnings are errors), its Debian package installed and
#               used on a clean debootstrap'd Debian 12
#   asan-ubsan  the unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer
#   asan-ubsan-integration  (not by default yet) the integration tests on the sanitized binaries
# Arguments go to the first ctest run (build/). KEYDESK_TEST_STAGES picks stages (default: the first three;
# integration.test_fido_libfido2 failed once there: on the CTAPHID socket link, getPINRetries after
# 0x34 said power_cycle=false, and it must be fixed before that stage runs in every CI run).
set -euo pipefail
cd "$(dirname "$0")/.."
export KEYDESK_WERROR=ON  # CI's builds treat warnings as errors; setup.sh passes it on
stages=${KEYDESK_TEST_STAGES:-"main release asan-ubsan"}
log_dir=$(mktemp -d /tmp/keydesk-ci.XXXXXX)
trap 'rm -rf "$log_dir"' EXIT
failed_stages=()

# stage NAME COMMAND...: runs, times and records one step; a failure is reported at the end, and the
# remaining stages still run so one CI run shows every failure.
stage() {
  local name=$1 started=$SECONDS
  shift
  echo "=== ci: $name"
  if "$@" 2>&1 | tee "$log_dir/$name.log"; then
    echo "=== ci: $name: ok in $((SECONDS - started)) s"
  else
    echo "=== ci: $name: FAILED after $((SECONDS - started)) s"
    failed_stages+=("$name")
  fi
}
has_stage() { [[ " $stages " == *" $1 "* ]]; }

stage setup bash scripts/setup.sh
[ ${#failed_stages[@]} -eq 0 ] || exit 1

if has_stage main; then
  # libFuzzer targets need clang; they get their own build tree (tests/integration/test_fuzz_smoke.sh).
  if [ -f fuzz/CMakeLists.txt ] && ls fuzz/fuzz_*.cpp >/dev/null 2>&1; then
    fuzz_build() {
      CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DKEYDESK_BUILD_FUZZ=ON -DKEYDESK_WERROR=ON \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
      local targets
      mapfile -t targets < <(cd fuzz && ls fuzz_*.cpp | sed 's/\.cpp$//')
      cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]}"
    }
    stage fuzz-build fuzz_build
  fi
  stage main-tests ctest --test-dir "${KEYDESK_BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" "$@"
fi

if has_stage release; then
  stage release-build bash -c 'cmake --preset release >/dev/null && cmake --build --preset release -j "$(nproc)"'
  # the package tests: cpack, then the clean machine (one at a time: the second needs the first's package)
  stage release-tests ctest --preset release
fi

if has_stage asan-ubsan || has_stage asan-ubsan-integration; then
  stage asan-ubsan-build bash -c 'cmake --preset asan-ubsan >/dev/null && cmake --build --preset asan-ubsan -j "$(nproc)"'
fi
if has_stage asan-ubsan; then
  stage asan-ubsan-unit ctest --preset asan-ubsan -j "$(nproc)"
fi
if has_stage asan-ubsan-integration; then
  stage asan-ubsan-integration ctest --preset asan-ubsan-integration -j "$(nproc)"
fi

# One closing line over every ctest run above.
passed=0 failed=0
for log in "$log_dir"/*.log; do
  summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1 || true)
  [ -n "$summary" ] || continue
  f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$summary")
  t=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$summary")
  passed=$((passed + t - f))
  failed=$((failed + f))
done
if [ ${#failed_stages[@]} -gt 0 ]; then
  echo "ci: failed stages: ${failed_stages[*]}"
  [ "$failed" -gt 0 ] || failed=1  # a build that failed is a failure even when no test ran
fi
echo "ci: $passed passed, $failed failed"
[ ${#failed_stages[@]} -eq 0 ]
