#!/usr/bin/env bash
# libfido2 1.12 through keydesk's own host stack (host/fido FidoSession, fido_probe) against keydesk-sim,
# on both links the CLI uses: the NFCCTAP bridge over PcscTransport (pcscd + vpcd) and the sim's CTAPHID
# socket (--ctaphid, started by lib.sh for profiles with fido.json). On each link, from a fresh token:
# getInfo (clientPin false, 25 slots), PIN_NOT_SET spends nothing, setPIN / changePIN, PIN_INVALID twice
# then PIN_AUTH_BLOCKED (powerCycleState true), a control-channel power cycle lifts the block and keeps
# the spent retries, a discoverable credential moves remainingDiscoverableCredentials by one each way,
# reset is refused with presence denied (0x27) and accepted within the window with presence granted.
# Last, one sleep past the 10 s window: reset refused with 0x30 on both links.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export KEYDESK_TEST_PROFILE=factory
# shellcheck source=/dev/null
source "$here/lib.sh"
probe="$(kd_binary fido_probe tests/integration/fido_probe)"
[ -S "$KD_CTAPHID" ] || kd_fail "keydesk-sim serves no CTAPHID socket at $KD_CTAPHID"

expect_lines() {  # OUTPUT LINE... : every LINE appears as a whole line of OUTPUT
  local out="$1" line
  shift
  for line in "$@"; do
    grep -qxF -- "$line" <<<"$out" || kd_fail "expected line '$line' in:"$'\n'"$out"
  done
}

PIN=123456 NEW=24681357 WRONG=000000
scenario() {  # LINK TARGET
  local out
  out="$("$probe" "$1" "$2" info token:$PIN retries set-pin:$PIN change-pin:$PIN:$NEW retries \
    token:$WRONG token:$WRONG token:$WRONG token:$NEW retries info \
    @control=power-cycle @reopen retries token:$NEW info \
    make-cred:$NEW info list:$NEW delete:$NEW info list:$NEW \
    "@control=presence deny" @control=power-cycle @reopen reset \
    "@control=presence grant" @control=power-cycle @reopen reset info retries)"
  echo "--- $1"$'\n'"$out"
  # The PIN_NOT_SET probe answers 0x35 and spends nothing.
  expect_lines "$(sed -n 2,4p <<<"$out")" \
    "info: ok clientPin=false remaining=25 retries=none power_cycle=unknown" \
    "token:$PIN: ctap 0x35" \
    "retries: ok 8 power_cycle=false"
  expect_lines "$(sed -n 5,7p <<<"$out")" "set-pin:$PIN: ok" "change-pin:$PIN:$NEW: ok" \
    "retries: ok 8 power_cycle=false"
  expect_lines "$(sed -n 8,13p <<<"$out")" "token:$WRONG: ctap 0x31" "token:$WRONG: ctap 0x34" \
    "token:$NEW: ctap 0x34" "retries: ok 5 power_cycle=true" \
    "info: ok clientPin=true remaining=25 retries=5 power_cycle=true"
  [ "$(sed -n 8p <<<"$out")" = "token:$WRONG: ctap 0x31" ] && [ "$(sed -n 9p <<<"$out")" = "token:$WRONG: ctap 0x31" ] ||
    kd_fail "$1: the first two wrong PINs must be PIN_INVALID"
  # Power cycle: the block is gone, the spent retries are not; the right PIN restores 8.
  expect_lines "$(sed -n 14,18p <<<"$out")" "@control=power-cycle: ok" "@reopen: ok" \
    "retries: ok 5 power_cycle=false" "token:$NEW: ok count=0" \
    "info: ok clientPin=true remaining=25 retries=8 power_cycle=false"
  expect_lines "$(sed -n 19,24p <<<"$out")" "make-cred:$NEW: ok id_bytes=$(sed -n 19p <<<"$out" | sed 's/.*id_bytes=//')" \
    "info: ok clientPin=true remaining=24 retries=8 power_cycle=false" "list:$NEW: ok count=1" \
    "delete:$NEW: ok deleted=1" "info: ok clientPin=true remaining=25 retries=8 power_cycle=false" \
    "list:$NEW: ok count=0"
  kd_assert_contains "$(sed -n 19p <<<"$out")" "make-cred:$NEW: ok" "$1: makeCredential"
  # Reset: presence denied within the window, then granted within the window.
  expect_lines "$(sed -n 25,28p <<<"$out")" "@control=presence deny: ok" "reset: ctap 0x27"
  expect_lines "$(sed -n 29,34p <<<"$out")" "@control=presence grant: ok" "reset: ok" \
    "info: ok clientPin=false remaining=25 retries=none power_cycle=unknown" "retries: ok 8 power_cycle=false"
}

scenario pcsc "$kd_reader"
scenario socket "$KD_CTAPHID"

# Past the window (10 s after power-up): refused on both links, presence granted. pcscd powers an idle
# card off and on again (each restarts the window), so one PC/SC connection is held through the wait:
# the PC/SC probe opens it, and the window is measured from the moment it is open.
kd_control power-cycle >/dev/null
kd_wait_card present
"$probe" pcsc "$kd_reader" @sleep=12 reset >"$KD_TMP/late-pcsc.out" &
late_pid=$!
# Up to 30 s for the probe to open: a loaded machine (CI on 2 cores) can be slow to start it.
for _ in $(seq 600); do
  grep -q "^open:" "$KD_TMP/late-pcsc.out" && break
  sleep 0.05
done
expect_lines "$(cat "$KD_TMP/late-pcsc.out")" "open: ok"
sleep 10.8
out="$("$probe" socket "$KD_CTAPHID" reset)"
expect_lines "$out" "reset: ctap 0x30"
wait "$late_pid" || kd_fail "fido_probe (PC/SC, late reset) failed"
expect_lines "$(cat "$KD_TMP/late-pcsc.out")" "reset: ctap 0x30"
echo "test_fido_libfido2: ok"
