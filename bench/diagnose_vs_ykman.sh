#!/usr/bin/env bash
# keydesk diagnose against ykman reading the same applets on the same simulated token (the case-study
# profile behind real pcscd + vpcd): `ykman piv info`, `ykman oath accounts list` and `ykman fido info`
# (ykman 4.0.9 reaches FIDO over PC/SC when the reader name does not say "yubico yubikey": it then treats
# the reader as NFC and speaks NFCCTAP). Reports the wall-clock time of each side, the ratio (goal: keydesk
# 10x faster or more) and the number of APDUs diagnose sends.
#
# usage: bench/diagnose_vs_ykman.sh [RUNS]   (needs a build: KEYDESK_BUILD_DIR, default ./build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-10}"
export KEYDESK_BUILD_DIR="${KEYDESK_BUILD_DIR:-$root/build}"
export KEYDESK_SOURCE_DIR="$root"
export KEYDESK_TEST_PROFILE=case-study
# shellcheck source=/dev/null
source "$root/tests/integration/lib.sh"

keydesk="$KEYDESK_BUILD_DIR/src/cli/keydesk"
reader="Virtual PCD 00 00"

now_ms() { date +%s%3N; }
time_runs() {  # time_runs CMD...: total milliseconds for $runs runs
  local start end
  start=$(now_ms)
  for _ in $(seq "$runs"); do "$@" >/dev/null 2>&1 || return 1; done
  end=$(now_ms)
  echo $(( end - start ))
}

# The ykman commands that read the same applets, kept only where they work on this token (ykman 4.0.9
# reaches FIDO over PC/SC by NFCCTAP; PIV needs the sim's PIV applet).
ykman_commands=()
for cmd in "piv info" "oath accounts list" "fido info"; do
  # shellcheck disable=SC2086
  if ykman --reader "$reader" $cmd >/dev/null 2>&1; then
    ykman_commands+=("$cmd")
  else
    echo "note: 'ykman $cmd' fails on this token; left out of the comparison" >&2
  fi
done
[ ${#ykman_commands[@]} -gt 0 ] || { echo "no ykman command works on this token" >&2; exit 1; }
ykman_all() {
  local cmd
  # shellcheck disable=SC2086
  for cmd in "${ykman_commands[@]}"; do ykman --reader "$reader" $cmd || return 1; done
}
keydesk_diagnose() { "$keydesk" --reader "$reader" diagnose; }

apdus="$("$keydesk" --reader "$reader" diagnose --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["ApdusSent"])')"
kd_ms="$(time_runs keydesk_diagnose)"
yk_ms="$(time_runs ykman_all)"
ratio="$(/usr/bin/python3 -c "print(f'{$yk_ms / max($kd_ms, 1):.1f}')")"

printf 'runs: %s (same simulated case-study token, %s)\n' "$runs" "$reader"
printf 'keydesk diagnose:                 %6d ms total, %6.1f ms per run, %s card APDUs per run\n' \
  "$kd_ms" "$(/usr/bin/python3 -c "print($kd_ms / $runs)")" "$apdus"
printf 'ykman (%s): %6d ms total, %6.1f ms per run\n' "$(IFS=,; echo "${ykman_commands[*]}")" \
  "$yk_ms" "$(/usr/bin/python3 -c "print($yk_ms / $runs)")"
printf 'ratio (ykman / keydesk): %sx (goal >= 10x)\n' "$ratio"
