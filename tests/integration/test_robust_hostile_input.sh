#!/usr/bin/env bash
# Hostile bytes and damaged state (docs/cli.md "Untrusted text", docs/keydesk-sim.md "State file"):
#  - keydesk --json explain $'\xff' answers a usage error as valid JSON (exit 2), the byte escaped;
#  - a raw YKOATH PUT (pyscard) names a credential J 0xFF ESC[31m: the sim survives it, otp-props-get and
#    diagnose print valid JSON with U+FFFD and the exact bytes in FriendlyNameHex, the table shows
#    \xFF and \x1B instead of writing an escape sequence to the terminal;
#  - a makeCredential over NFCCTAP whose user.name is not UTF-8 is stored; the state file keeps both names
#    as {"hex"} and the restarted sim loads them;
#  - damaged state files with a valid format are refused (exit 1, the field named) and left byte-identical.
set -euo pipefail
export KEYDESK_TEST_PROFILE=case-study
source "$(dirname "$0")/lib.sh"

keydesk="$(kd_binary keydesk src/cli/keydesk)"
json() { "$KD_PY" -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {'d': d}))" "$1"; }

# --- an argument that is not UTF-8, repeated in an error message
set +e
out="$("$keydesk" --json explain $'\xff' 2>/dev/null)"
code=$?
set -e
kd_assert_eq 2 "$code" "explain of a byte that is not UTF-8"
kd_assert_eq usage "$(json 'd["error"]["kind"]' <<<"$out")" "error kind"
kd_assert_contains "$(json 'd["error"]["message"]' <<<"$out")" "'\\xFF' is neither" "the escaped argument"

# --- an OATH credential named J 0xFF ESC [ 3 1 m, put by a raw YKOATH PUT
select_oath=00A4040007A0000005272101
put=00010000177107${name_hex:=4AFF1B5B33316D}730C210631323334353637383930
out="$(kd_apdu "$select_oath" "$put")"
mapfile -t lines <<<"$out"
kd_assert_contains "${lines[0]}" "9000" "SELECT OATH"
kd_assert_eq 9000 "${lines[1]}" "PUT of a credential whose name is not UTF-8"
kd_control status >/dev/null  # the sim is alive

props="$("$keydesk" --reader "$kd_reader" --json otp-props-get)"
kd_assert_eq "$name_hex" "$(json '[c["FriendlyNameHex"] for c in d["Credentials"] if "FriendlyNameHex" in c][0]' <<<"$props")" \
  "FriendlyNameHex"
kd_assert_eq 'J\ufffd\x1b[31m' "$(json '[ascii(c["FriendlyName"])[1:-1] for c in d["Credentials"] if "FriendlyNameHex" in c][0]' <<<"$props")" \
  "FriendlyName with U+FFFD"
table="$("$keydesk" --reader "$kd_reader" otp-props-get)"
kd_assert_contains "$table" 'J\xFF\x1B[31m' "the table's escaped name"
if grep -q $'\x1b' <<<"$table"; then kd_fail "otp-props-get wrote an escape character to the terminal"; fi

diag="$("$keydesk" --reader "$kd_reader" --json diagnose)"
kd_assert_eq True "$(json 'd["Complete"]' <<<"$diag")" "diagnose of a token with a hostile name"
kd_assert_eq "$name_hex" "$(json '[c["FriendlyNameHex"] for c in d["Oath"]["Credentials"] if "FriendlyNameHex" in c][0]' <<<"$diag")" \
  "diagnose's FriendlyNameHex"
human="$("$keydesk" --reader "$kd_reader" diagnose)"
if grep -q $'\x1b' <<<"$human"; then kd_fail "diagnose wrote an escape character to the terminal"; fi

# --- makeCredential whose user.name is not UTF-8 (raw CBOR: python-fido2 would refuse to encode it)
make_credential="$("$KD_PY" - <<'PY'
from fido2 import cbor
request = {
    1: b"\x11" * 32,                                   # clientDataHash
    2: {"id": "hostile.example"},                      # rp
    3: {"id": b"\x01\x02\x03\x04", "name": "QZ"},      # user; "QZ" becomes b"Q\xfe" below
    4: [{"alg": -7, "type": "public-key"}],
    7: {"rk": True},
}
raw = bytearray(b"\x01" + cbor.encode(request))
at = raw.index(b"QZ")
raw[at:at + 2] = b"Q\xfe"
print("80100000%02X%s00" % (len(raw), raw.hex().upper()))
PY
)"
out="$(kd_apdu 00A4040008A0000006472F0001 "$make_credential")"
mapfile -t lines <<<"$out"
kd_assert_contains "${lines[0]}" "9000" "SELECT FIDO"
# CTAP status 00 and the attestation object (the rest waits behind 61xx: the token answered)
[[ "${lines[1]}" =~ ^00A3.*\ (9000|61[0-9A-F]{2})$ ]] || kd_fail "makeCredential with user.name not UTF-8: ${lines[1]}"
kd_control status >/dev/null

"$KD_PY" - "$KD_STATE" <<'PY'
import json, sys
state = json.load(open(sys.argv[1]))
names = [c["name"] for c in state["applets"]["oath"]["credentials"]]
assert {"hex": "4aff1b5b33316d"} in names, names
users = [c["user"]["name"] for c in state["applets"]["fido"]["credentials"]["discoverable"]]
assert {"hex": "51fe"} in users, users
PY
kd_sim_restart
props="$("$keydesk" --reader "$kd_reader" --json otp-props-get)"
kd_assert_contains "$props" "$name_hex" "the hostile name after a restart"

# --- a malformed PIN or PUK is refused (exit 2) before anything is sent: the sim logs every APDU (-v)
apdus() { grep -c "^keydesk-sim: >" "$KD_SIM_LOG" || true; }
before=$(apdus)
for args in "pin-verify -p 12" "pin-verify -p 123456789" "pin-change -p 123456 -n 12" "pin-reset-tries --puk 123 -n 123456" \
            "puk-put -p 123456 --puk 1234567890"; do
  set +e
  # shellcheck disable=SC2086
  "$keydesk" --reader "$kd_reader" $args >/dev/null 2>&1
  code=$?
  set -e
  kd_assert_eq 2 "$code" "keydesk $args"
done
set +e
"$keydesk" --reader "$kd_reader" pin-verify -p $'1234\x015' >/dev/null 2>&1
code=$?
set -e
kd_assert_eq 2 "$code" "pin-verify with a control character"
kd_assert_eq "$before" "$(apdus)" "APDUs sent for malformed PINs"
# Well-formed for some token but not for this one's policy (MinPinLength 6): refused after the read-only
# reads of the interlock, before any attempt; the counter is untouched.
set +e
"$keydesk" --reader "$kd_reader" pin-verify -p 1234 >/dev/null 2>&1
code=$?
set -e
kd_assert_eq 2 "$code" "pin-verify with a PIN shorter than the token's MinPinLength"
kd_assert_eq 6 "$("$keydesk" --reader "$kd_reader" --json aca-props-get | json 'd["CurrentPinTryCounter"]')" \
  "PIN counter after the refused PINs"

# --- damaged state files with a valid format: refused, named, untouched
kd_sim_stop
kd_wait_card absent 5
good="$KD_TMP/good.json"
cp "$KD_STATE" "$good"
damage() {  # PYTHON-EXPRESSION-ON-d  EXPECTED-IN-MESSAGE
  local damaged="$KD_TMP/damaged.json"
  "$KD_PY" - "$good" "$damaged" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
  local before after code
  before="$(sha256sum "$damaged")"
  set +e
  err="$("$KD_SIM" --state "$damaged" --vpcd-port "$KD_VPCD_PORT" 2>&1 >/dev/null)"
  code=$?
  set -e
  after="$(sha256sum "$damaged")"
  kd_assert_eq 1 "$code" "keydesk-sim on a state with $1"
  kd_assert_contains "$err" "$2" "the refusal of $1"
  kd_assert_eq "$before" "$after" "the refused state file ($1) is untouched"
  [ ! -e "$damaged.tmp" ] || kd_fail "a temporary state was written for $1"
}
damage 'd["applets"]["fido"]["pin"]["retries"] = 300' "/applets/fido/pin/retries"
damage 'd["applets"]["fido"]["pin"]["retries"] = -1' "/applets/fido/pin/retries"
damage 'del d["applets"]' "/applets"
damage 'next(c for c in d["applets"]["oath"]["credentials"] if c["type"] == "hotp")["counter"] = -5' "counter"
damage 'd["security"]["pin"]["remaining"] = 99' "remaining"
damage 'd["card"]["surprise"] = True' "/card/surprise"
kd_sim_start
kd_wait_card present
echo "test_robust_hostile_input: ok"
