#!/usr/bin/env bash
# keydesk diagnose against ykman reading the same applets on the same simulated token (real pcscd + vpcd +
# keydesk-sim): `ykman piv info`, `ykman oath accounts list` and `ykman fido info` (ykman 4.0.9 reaches
# FIDO over PC/SC when the reader name does not say "yubico yubikey": it then treats the reader as NFC and
# speaks NFCCTAP). Every profile given is measured on a fresh token; the yubikey5 profile has PIV (no ACA),
# so `ykman piv info` is part of its comparison. Reports the wall-clock time of each side, the ratio (goal:
# keydesk 10x faster or more) and the number of card APDUs one diagnose sends.
#
# Output: one line per profile, fixed keys in a fixed order (stable to parse):
#   profile=yubikey5 runs=10 keydesk_ms_per_run=12.3 ykman_ms_per_run=456.7 ratio=37.1 diagnose_apdus=40 ykman="piv info,oath accounts list,fido info"
# Notes (ykman commands left out because they fail on a token) go to stderr.
#
# usage: bench/diagnose_vs_ykman.sh [RUNS] [PROFILE...]   (default: 10 runs; case-study yubikey5)
#        needs a build: KEYDESK_BUILD_DIR, default ./build
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# No `shift`: sourcing lib.sh re-executes this script with "$@" in a private mount namespace, so the
# positional parameters must still be the caller's when it is sourced.
runs="${1:-10}"
profiles=("${@:2}")
[ ${#profiles[@]} -gt 0 ] || profiles=(case-study yubikey5)
export KEYDESK_BUILD_DIR="${KEYDESK_BUILD_DIR:-$root/build}"
export KEYDESK_SOURCE_DIR="$root"
unset KEYDESK_TEST_PROFILE
# shellcheck source=/dev/null
source "$root/tests/integration/lib.sh"

keydesk="$KEYDESK_BUILD_DIR/src/cli/keydesk"
reader="$kd_reader"

now_ms() { date +%s%3N; }
time_runs() {  # time_runs CMD...: total milliseconds for $runs runs
  local start end
  start=$(now_ms)
  for _ in $(seq "$runs"); do "$@" >/dev/null 2>&1 || return 1; done
  end=$(now_ms)
  echo $((end - start))
}
per_run() { /usr/bin/python3 -c "print(f'{$1 / $runs:.1f}')"; }

ykman_commands=()
ykman_all() {
  local cmd
  # shellcheck disable=SC2086
  for cmd in "${ykman_commands[@]}"; do ykman --reader "$reader" $cmd || return 1; done
}
keydesk_diagnose() { "$keydesk" --reader "$reader" diagnose; }

for profile in "${profiles[@]}"; do
  rm -f "$KD_STATE"  # a fresh token of this profile
  kd_start_stack "$profile"
  # The ykman commands that read the same applets, kept only where they work on this token.
  ykman_commands=()
  for cmd in "piv info" "oath accounts list" "fido info"; do
    # shellcheck disable=SC2086
    if ykman --reader "$reader" $cmd >/dev/null 2>&1; then
      ykman_commands+=("$cmd")
    else
      echo "note: [$profile] 'ykman $cmd' fails on this token; left out of the comparison" >&2
    fi
  done
  [ ${#ykman_commands[@]} -gt 0 ] || kd_fail "[$profile] no ykman command works on this token"
  apdus="$("$keydesk" --reader "$reader" diagnose --json |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["ApdusSent"])')"
  kd_ms="$(time_runs keydesk_diagnose)" || kd_fail "[$profile] keydesk diagnose failed"
  yk_ms="$(time_runs ykman_all)" || kd_fail "[$profile] ykman failed"
  ratio="$(/usr/bin/python3 -c "print(f'{$yk_ms / max($kd_ms, 1):.1f}')")"
  printf 'profile=%s runs=%s keydesk_ms_per_run=%s ykman_ms_per_run=%s ratio=%s diagnose_apdus=%s ykman="%s"\n' \
    "$profile" "$runs" "$(per_run "$kd_ms")" "$(per_run "$yk_ms")" "$ratio" "$apdus" \
    "$(IFS=,; echo "${ykman_commands[*]}")"
  kd_sim_stop
  kd_pcscd_stop
done
