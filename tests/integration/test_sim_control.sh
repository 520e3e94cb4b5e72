#!/usr/bin/env bash
# The control channel as a PC/SC client sees it: remove and insert change what the reader holds,
# power-cycle interrupts an open connection and forgets a verified PIN, and so does a PC/SC reset.
set -euo pipefail
export KEYDESK_TEST_PROFILE=factory
source "$(dirname "$0")/lib.sh"

select_aca=00A404000BF06B65796465736B414341
verify_pin=002000800631323334353600  # PIN 123456 (the factory profile's), Le 00
pin_status=0020008000                 # empty VERIFY: status only, spends nothing
json() { "$KD_PY" -c "import json,sys; print(json.loads(sys.argv[2])[sys.argv[1]])" "$1" "$2"; }

# --- remove / insert
kd_assert_eq True "$(json inserted "$(kd_control status)")" "status before remove"
kd_control remove >/dev/null
kd_wait_card absent 5
kd_assert_eq False "$(json inserted "$(kd_control status)")" "status after remove"
out="$(opensc-tool -l)"
[[ "$out" =~ [0-9]+\ +No\ +$kd_reader ]] || kd_fail "opensc-tool -l after remove: expected '$kd_reader' without a card, got: $out"
out="$(kd_apdu 80CA9F7F00 || true)"
kd_assert_contains "$out" "ERROR" "an APDU to the removed token"
kd_control insert >/dev/null
kd_wait_card present 5
kd_assert_eq True "$(json inserted "$(kd_control status)")" "status after insert"

# --- a verified PIN survives the session, a power cycle in the middle of it does not
out="$(kd_apdu "$select_aca" "$verify_pin" "$pin_status" @control=power-cycle @sleep=1 "$pin_status" @reconnect \
  "$select_aca" "$pin_status" || true)"
mapfile -t lines <<<"$out"
kd_assert_eq 9000 "${lines[1]}" "VERIFY with the right PIN"
kd_assert_eq 9000 "${lines[2]}" "PIN status in the same session"
kd_assert_eq ok "${lines[3]}" "control power-cycle"
kd_assert_contains "${lines[4]}" "ERROR" "an APDU on the connection the power cycle interrupted"
kd_assert_eq 63C3 "${lines[7]}" "PIN status after the power cycle (not verified, 3 tries)"

# --- a PC/SC reset (SCARD_RESET_CARD, what yubico-piv-tool does on exit) clears the verified PIN too
out="$(kd_apdu "$select_aca" "$verify_pin" @reset "$select_aca" "$pin_status")"
mapfile -t lines <<<"$out"
kd_assert_eq 9000 "${lines[1]}" "VERIFY before the reset"
kd_assert_eq reconnected "${lines[2]}" "SCardReconnect with SCARD_RESET_CARD"
kd_assert_eq 63C3 "${lines[4]}" "PIN status after the reset"

# --- presence mode is reported, bad commands are refused with the list of commands
kd_control presence deny >/dev/null
kd_assert_eq deny "$(json presence "$(kd_control status)")" "presence after 'presence deny'"
kd_control presence grant >/dev/null
out="$(kd_control explode || true)"
kd_assert_contains "$out" "error: unknown command 'explode'" "an unknown control command"
echo "test_sim_control: ok"
