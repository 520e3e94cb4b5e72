#!/usr/bin/env bash
# Runs every libFuzzer target built in ${KEYDESK_SOURCE_DIR}/build-fuzz (scripts/test.sh builds it with
# clang) for a bounded time, starting from fuzz/corpus/<target>/ when it exists; any crash, leak or
# sanitizer report fails the test. Needs no pcscd: it does not source lib.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source_dir="${KEYDESK_SOURCE_DIR:-$(cd "$here/../.." && pwd)}"
fuzz_dir="${KEYDESK_FUZZ_BUILD_DIR:-$source_dir/build-fuzz}/fuzz"
seconds="${KEYDESK_FUZZ_SECONDS:-20}"

if [ ! -d "$fuzz_dir" ]; then
  echo "test_fuzz_smoke: SKIPPED: no fuzz build in $fuzz_dir (scripts/test.sh builds it with clang)"
  exit 0
fi
mapfile -t targets < <(find "$fuzz_dir" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x | sort)
[ "${#targets[@]}" -gt 0 ] || { echo "FAIL: $fuzz_dir holds no fuzz_* executables" >&2; exit 1; }

work="$(mktemp -d /tmp/keydesk-fuzz.XXXXXX)"
trap 'rm -rf "$work"' EXIT
failed=0
for target in "${targets[@]}"; do
  name="$(basename "$target")"
  # A scratch corpus: the run may add inputs, the checked-in seeds stay as they are.
  mkdir -p "$work/$name"
  if [ -d "$source_dir/fuzz/corpus/$name" ]; then cp "$source_dir/fuzz/corpus/$name"/* "$work/$name"/ 2>/dev/null || true; fi
  if "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/$name-" \
      -print_final_stats=1 "$work/$name" >"$work/$name.log" 2>&1; then
    echo "test_fuzz_smoke: $name: $(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$work/$name.log" | grep -Eo '[0-9]+$') runs, no crash"
  else
    echo "FAIL: $name crashed; last lines of its log:" >&2
    tail -n 40 "$work/$name.log" >&2
    for artifact in "$work/$name"-*; do
      [ -f "$artifact" ] && echo "crashing input ($artifact): $(od -An -tx1 "$artifact" | tr -d ' \n' | head -c 400)" >&2
    done
    failed=1
  fi
done
exit "$failed"
