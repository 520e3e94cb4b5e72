#!/usr/bin/env bash
# pcscd restarts (cleanly and by SIGKILL): keydesk-sim reconnects to the new vpcd by itself and the same
# token, with its state, is usable again.
set -euo pipefail
export KEYDESK_TEST_PROFILE=factory
source "$(dirname "$0")/lib.sh"

cplc() { kd_apdu 80CA9F7F00; }
before="$(cplc)"
kd_assert_contains "$before" " 9000" "CPLC before the restarts"
ykman --reader "$kd_reader" oath accounts add --force "Example:totp@keydesk" JBSWY3DPEHPK3PXP >/dev/null
sim_pid="$KD_SIM_PID"

kd_pcscd_restart
kd_assert_eq "$before" "$(cplc)" "CPLC after a pcscd restart"

# The hard way: pcscd killed, a new one started while the sim's connection is simply gone.
kill -9 "$KD_PCSCD_PID"
wait "$KD_PCSCD_PID" 2>/dev/null || true
KD_PCSCD_PID=""
sleep 0.3
kd_pcscd_start
kd_wait_card present
kd_assert_eq "$before" "$(cplc)" "CPLC after pcscd was killed and started again"
kd_assert_contains "$(ykman --reader "$kd_reader" oath accounts list)" "Example:totp@keydesk" "accounts after reconnects"
kd_assert_eq "$sim_pid" "$KD_SIM_PID" "keydesk-sim process (it must not have been restarted)"
kill -0 "$sim_pid" || kd_fail "keydesk-sim exited"
echo "test_sim_reconnect: ok"
