#!/usr/bin/env bash
# Nothing the token acknowledged is lost: after each acknowledged change keydesk-sim is killed with
# SIGKILL and restarted on the same state file, and the change is still there (an HOTP counter judged by
# ykman + oathtool, a spent PIN try). An existing state file is never reseeded from --profile, and a file
# that is not a state file is refused and left untouched.
set -euo pipefail
export KEYDESK_TEST_PROFILE=factory
source "$(dirname "$0")/lib.sh"

secret_b32=JBSWY3DPEHPK3PXP
account="Example:hotp@keydesk"
select_aca=00A404000BF06B65796465736B414341
wrong_pin=002000800639393939393900
pin_status=0020008000
hotp() { ykman --reader "$kd_reader" oath accounts code --single "$account"; }
status_field() { "$KD_PY" -c "import json,sys; print(json.loads(sys.argv[2])[sys.argv[1]])" "$1" "$(kd_control status)"; }

cuid_before="$(status_field cuid)"
serial_before="$(status_field serial)"

# --- HOTP: each acknowledged code advances the counter on disk
ykman --reader "$kd_reader" oath accounts add --force --oath-type HOTP "$account" "$secret_b32" >/dev/null
for counter in 0 1 2; do
  kd_assert_eq "$(oathtool --hotp -b "$secret_b32" -c "$counter")" "$(hotp)" "HOTP code for counter $counter"
  kd_sim_kill9
  kd_sim_start
  kd_wait_card present
done

# --- a wrong PIN spends a try that a SIGKILL does not give back
mapfile -t lines < <(kd_apdu "$select_aca" "$wrong_pin")
kd_assert_eq 63C2 "${lines[1]}" "wrong PIN"
kd_sim_kill9
kd_sim_start
kd_wait_card present
mapfile -t lines < <(kd_apdu "$select_aca" "$pin_status")
kd_assert_eq 63C2 "${lines[1]}" "PIN tries after SIGKILL and restart"

# --- --profile did not reseed the existing file: same identity, the account is still there
kd_assert_eq "$cuid_before" "$(status_field cuid)" "CUID after restarts"
kd_assert_eq "$serial_before" "$(status_field serial)" "serial after restarts"
kd_assert_contains "$(ykman --reader "$kd_reader" oath accounts list)" "$account" "accounts after restarts"
kd_assert_eq "$(oathtool --hotp -b "$secret_b32" -c 3)" "$(hotp)" "HOTP code for counter 3 after restarts"

# --- a file that is not a state file: refused with a clear error, exit status non-zero, file untouched
bad="$KD_TMP/not-a-state.json"
for content in '{"hello": "world"}' 'this is not json'; do
  printf '%s' "$content" >"$bad"
  before="$(sha256sum "$bad")"
  set +e
  err="$("$KD_SIM" --profile factory --state "$bad" --vpcd-port "$KD_VPCD_PORT" 2>&1)"
  code=$?
  set -e
  [ "$code" -ne 0 ] || kd_fail "keydesk-sim accepted '$content' as a state file"
  kd_assert_contains "$err" "is not a keydesk-sim state file" "error for '$content'"
  kd_assert_eq "$before" "$(sha256sum "$bad")" "the refused file's content"
done
echo "test_sim_persistence: ok"
