#!/usr/bin/env bash
# keydesk hsm-status against sc-hsm-tool's status (OpenSC 0.23, no action: version, options, SO-PIN and user
# PIN tries, DKEK) on the same simulated SmartCard-HSM through real pcscd + vpcd + keydesk-sim. Both read
# the same counters without spending; hsm-status also reads the device certificate and reads the counters a
# second time to prove nothing was spent. Reports the wall-clock time of each side, the ratio
# (sc-hsm-tool / keydesk: above 1 means keydesk is faster) and, to read it, keydesk's start-up alone
# (`keydesk explain 6983`, no token).
#
# Output: one line per profile, fixed keys in a fixed order:
#   profile=sc-hsm-seed004 runs=20 keydesk_ms_per_run=12.3 sc_hsm_tool_ms_per_run=45.6 ratio=3.7 keydesk_apdus=15 keydesk_startup_ms_per_run=8.0
#
# usage: bench/hsm_status_vs_sc_hsm_tool.sh [RUNS] [PROFILE...]   (default: 20 runs; sc-hsm-seed004)
#        needs a build: KEYDESK_BUILD_DIR, default ./build
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-20}"
profiles=("${@:2}")
[ ${#profiles[@]} -gt 0 ] || profiles=(sc-hsm-seed004)
export KEYDESK_BUILD_DIR="${KEYDESK_BUILD_DIR:-$root/build}"
export KEYDESK_SOURCE_DIR="$root"
unset KEYDESK_TEST_PROFILE
# shellcheck source=/dev/null
source "$root/tests/integration/lib.sh"

keydesk="$KEYDESK_BUILD_DIR/src/cli/keydesk"
now_ms() { date +%s%3N; }
time_runs() {  # time_runs CMD...: total milliseconds for $runs runs
  local start end
  start=$(now_ms)
  for _ in $(seq "$runs"); do "$@" >/dev/null 2>&1 || return 1; done
  end=$(now_ms)
  echo $((end - start))
}
per_run() { /usr/bin/python3 -c "print(f'{$1 / $runs:.1f}')"; }

for profile in "${profiles[@]}"; do
  rm -f "$KD_STATE"
  kd_start_stack "$profile"
  "$keydesk" --reader "$kd_reader" hsm-status >/dev/null || kd_fail "keydesk hsm-status fails on $profile"
  sc-hsm-tool -r "$kd_reader" >/dev/null 2>&1 || kd_fail "sc-hsm-tool fails on $profile"
  keydesk_ms=$(time_runs "$keydesk" --reader "$kd_reader" hsm-status)
  tool_ms=$(time_runs sc-hsm-tool -r "$kd_reader")
  apdus=$("$keydesk" --reader "$kd_reader" --json hsm-status | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["ApdusSent"])')
  startup_ms=$(time_runs "$keydesk" explain 6983)
  ratio=$(/usr/bin/python3 -c "print(f'{$tool_ms / max($keydesk_ms, 1):.1f}')")
  echo "profile=$profile runs=$runs keydesk_ms_per_run=$(per_run "$keydesk_ms") sc_hsm_tool_ms_per_run=$(per_run "$tool_ms") ratio=$ratio keydesk_apdus=$apdus keydesk_startup_ms_per_run=$(per_run "$startup_ms")"
  kd_sim_stop
  kd_pcscd_stop
done
