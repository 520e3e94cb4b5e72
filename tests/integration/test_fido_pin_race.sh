#!/usr/bin/env bash
# Issue 7's race, driven deterministically through real pcscd + vpcd and the CTAPHID socket: keydesk reads
# getInfo (clientPin = false), keydesk-sim holds the link keydesk uses right after that answer
# (`hold-after LINK ctap-getinfo`), a second client sets a FIDO PIN over the other interface (or another
# CTAPHID connection), and the hold is released. On every link, with diagnose and fido-props-get:
#  - no FIDO retry is spent: python-fido2 over pyscard (a client nobody here wrote) reads 8 afterwards;
#  - diagnose reports the change truthfully (CounterCheck "changed", the FIDO PIN set by another client)
#    and never says "Nothing was spent"; on an undisturbed token it does say so.
# The request the old PIN_NOT_SET probe sent at that point (a PIN token request) spends one on this very
# token state; that is shown once, with fido_probe, outside keydesk.
#
# Harness: tests/integration/lib.sh (isolated pcscd + vpcd + keydesk-sim).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ -f "$here/lib.sh" ] || { echo "test_fido_pin_race: tests/integration/lib.sh is missing" >&2; exit 1; }
export KEYDESK_TEST_PROFILE=case-study
# shellcheck source=/dev/null
source "$here/lib.sh"
keydesk="$(kd_binary keydesk src/cli/keydesk)"
probe="$(kd_binary fido_probe tests/integration/fido_probe)"
schema="$KEYDESK_SOURCE_DIR/docs/cli-json-schema.json"
[ -S "$KD_CTAPHID" ] || kd_fail "keydesk-sim serves no CTAPHID socket at $KD_CTAPHID"
PIN=24681357

fresh_token() {  # the sim again on a new case-study state: no FIDO PIN, 8 retries
  kd_sim_stop
  kd_wait_card absent 5
  rm -f "$KD_STATE" "$KD_CONTROL"
  kd_sim_start
  kd_wait_card present
}

# python-fido2 over pyscard: "clientPin=<True|False> retries=<N>", or it sets the PIN (set-pin PIN).
third_party() {  # read | set-pin PIN
  "$KD_PY" - "$@" <<'PY'
import sys
from fido2.ctap2 import Ctap2, ClientPin
from fido2.pcsc import CtapPcscDevice
devices = list(CtapPcscDevice.list_devices())
if not devices:
    sys.exit("python-fido2: no PC/SC reader with a FIDO applet")
ctap = Ctap2(devices[0])
pin = ClientPin(ctap)
if sys.argv[1] == "set-pin":
    pin.set_pin(sys.argv[2])
    print("set-pin: ok")
else:
    print("clientPin=%s retries=%d" % (ctap.get_info().options.get("clientPin"), pin.get_pin_retries()[0]))
PY
}

set_pin_from() {  # pcsc|socket: the second client sets the FIDO PIN over that interface
  local out
  if [ "$1" = pcsc ]; then
    out="$(third_party set-pin "$PIN")" || kd_fail "python-fido2 could not set the PIN over PC/SC: $out"
  else
    out="$("$probe" socket "$KD_CTAPHID" "set-pin:$PIN")" || kd_fail "fido_probe set-pin failed: $out"
    kd_assert_contains "$out" "set-pin:$PIN: ok" "setPIN over the CTAPHID socket"
  fi
}

json_field() {  # JSON PYTHON-EXPRESSION-ON-d
  KD_JSON="$1" "$KD_PY" -c 'import json, os, sys; d = json.loads(os.environ["KD_JSON"]); print(eval(sys.argv[1]))' "$2"
}

validate() {  # JSON DEF
  KD_JSON="$1" "$KD_PY" -c '
import json, os, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.validate(json.loads(os.environ["KD_JSON"]), {"$ref": "#/$defs/" + sys.argv[2], "$defs": schema["$defs"]})
' "$schema" "$2" || kd_fail "$2 --json does not match docs/cli-json-schema.json"
}

# race HELD_LINK SETTER_LINK PAUSES KEYDESK_ARGS...: keydesk in the background, held after its getInfo on
# HELD_LINK; the PIN set over SETTER_LINK; then released. PAUSES=yes asserts keydesk was still waiting
# (it has more to read on the held link). Sets race_out and race_code.
race() {
  local held="$1" setter="$2" pauses="$3"
  shift 3
  kd_control hold-after "$held" ctap-getinfo >/dev/null
  "$keydesk" "$@" >"$KD_TMP/race.out" 2>"$KD_TMP/race.err" &
  local pid=$!
  kd_control wait-held 30 >/dev/null || kd_fail "[$held] keydesk's getInfo never took the hold: $(cat "$KD_TMP/race.err")"
  set_pin_from "$setter"
  if [ "$pauses" = yes ]; then
    kill -0 "$pid" 2>/dev/null || kd_fail "[$held] keydesk did not wait at the hold"
  fi
  kd_control release >/dev/null
  race_code=0
  wait "$pid" || race_code=$?
  race_out="$(cat "$KD_TMP/race.out")"
  [ "$race_code" -eq 0 ] || kd_fail "[$held] keydesk $* exited $race_code: $(cat "$KD_TMP/race.err")"
  kd_assert_eq "clientPin=True retries=8" "$(third_party read)" "[$held] the FIDO PIN after the race (python-fido2)"
}

# 0. Undisturbed, diagnose may say that nothing was spent, and means it.
out="$("$keydesk" --reader "$kd_reader" diagnose)"
kd_assert_contains "$out" "Nothing was spent: every counter keydesk can read without spending was read at the start and again at the end, and none changed" "diagnose on an undisturbed token"

# 1. keydesk on PC/SC (NFCCTAP), the PIN set over the CTAPHID socket.
race pcsc socket yes --reader "$kd_reader" diagnose --json
validate "$race_out" diagnose
kd_assert_eq "PC/SC (NFCCTAP)" "$(json_field "$race_out" 'd["Fido"]["Transport"]')" "FIDO link"
kd_assert_eq False "$(json_field "$race_out" 'd["Fido"]["Options"]["clientPin"]')" "clientPin as keydesk read it at the start"
kd_assert_eq changed "$(json_field "$race_out" 'd["CounterCheck"]["Outcome"]')" "CounterCheck outcome"
kd_assert_eq True "$(json_field "$race_out" 'd["CounterCheck"]["FidoPinSetMeanwhile"]')" "FidoPinSetMeanwhile"
kd_assert_eq "[{'Counter': 'FIDO PIN set', 'Before': False, 'After': True}]" \
  "$(json_field "$race_out" 'd["CounterCheck"]["Changed"]')" "the change keydesk saw"
kd_assert_eq 0 "$(json_field "$race_out" 'd["CounterCheck"]["Refused"]')" "commands the guard refused"
kd_assert_not_contains "$race_out" "Nothing was spent" "diagnose --json after the race"
# What the old probe sent at this point (a PIN token request with a PIN that is not the token's) spends one.
out="$("$probe" pcsc "$kd_reader" token:000000 retries)"
kd_assert_contains "$out" "token:000000: ctap 0x31" "a PIN token request after the PIN was set"
kd_assert_contains "$out" "retries: ok 7" "the retry the old probe would have spent"

fresh_token
race pcsc socket yes --reader "$kd_reader" diagnose
kd_assert_contains "$race_out" "FIDO PIN set changed from no to yes while keydesk was reading." "human diagnose"
kd_assert_contains "$race_out" "The FIDO PIN was set by another client during the diagnosis" "human diagnose"
kd_assert_contains "$race_out" "(8 retries now)" "human diagnose"
kd_assert_contains "$race_out" "Another program is using the token" "human diagnose"
kd_assert_not_contains "$race_out" "Nothing was spent" "human diagnose after the race"

fresh_token
race pcsc socket no --reader "$kd_reader" fido-props-get --json
validate "$race_out" fido-props-get
kd_assert_eq False "$(json_field "$race_out" 'd["Options"]["clientPin"]')" "fido-props-get: clientPin when read"

# 2. keydesk on the CTAPHID socket: another CTAPHID connection sets the PIN (a browser on the same USB HID
# interface), while keydesk's own connection is held.
fresh_token
export KEYDESK_FIDO_LINK=socket KEYDESK_FIDO_SOCKET="$KD_CTAPHID"
race ctaphid socket yes --reader "$kd_reader" diagnose --json
validate "$race_out" diagnose
kd_assert_eq "CTAPHID socket" "$(json_field "$race_out" 'd["Fido"]["Transport"]')" "FIDO link"
kd_assert_eq changed "$(json_field "$race_out" 'd["CounterCheck"]["Outcome"]')" "CounterCheck outcome (socket)"
kd_assert_eq True "$(json_field "$race_out" 'd["CounterCheck"]["FidoPinSetMeanwhile"]')" "FidoPinSetMeanwhile (socket)"
kd_assert_not_contains "$race_out" "Nothing was spent" "diagnose over the socket after the race"

# The mirror of 1: keydesk on the socket, the PIN set over PC/SC (fido-props-get opens no card link, so no
# PC/SC transaction of keydesk's keeps the other client out).
fresh_token
race ctaphid pcsc no --reader "$kd_reader" fido-props-get --json
kd_assert_eq False "$(json_field "$race_out" 'd["Options"]["clientPin"]')" "fido-props-get over the socket"
kd_assert_eq "CTAPHID socket" "$(json_field "$race_out" 'd["Transport"]')" "fido-props-get's link"
unset KEYDESK_FIDO_LINK KEYDESK_FIDO_SOCKET
echo "test_fido_pin_race: ok"
