#!/usr/bin/env bash
# keydesk on the SmartCard-HSM of profile sc-hsm-seed004 (SO-PIN 7 of 15 tries, user PIN 2 of 3, user PIN
# reset with the SO-PIN enabled; its SO-PIN is not the documented 3537363231383830), judged by
# sc-hsm-tool, the sim's APDU log and its state file:
# - diagnose explains the situation (SO-PIN tries spent, what a blocked SO-PIN would mean: no factory
#   reset, only the vendor's firmware update, a new identity; the user PIN's SO-PIN path) and spends nothing;
# - hsm-status passes only status queries and reads through the read-only guard and changes nothing;
# - hsm-init with 57621880 and other malformed SO-PINs exits 2, explains the format and sends nothing;
# - a re-initialisation needs --confirm-cuid; a wrong SO-PIN spends exactly one try, shown before/after;
# - the retry interlock refuses an SO-PIN attempt at 3 tries left unless --force;
# - hsm-pin-unblock with the right SO-PIN resets the user PIN; hsm-so-pin-change changes the SO-PIN and
#   sc-hsm-tool re-initialises with the new one;
# - every --json document matches docs/cli-json-schema.json.
set -euo pipefail
export KEYDESK_TEST_PROFILE=sc-hsm-seed004
# shellcheck source=/dev/null
source "$(dirname "$0")/lib.sh"

keydesk="$(kd_binary keydesk src/cli/keydesk)"
docs="$KD_TMP/documents"
mkdir -p "$docs"
kd() { "$keydesk" --reader "$kd_reader" "$@"; }
status() { sc-hsm-tool -r "$kd_reader" 2>&1; }
apdus() { grep -c '^keydesk-sim: > ' "$KD_SIM_LOG" || true; }
state_sum() { sha256sum "$KD_STATE" | cut -d' ' -f1; }
# json DEF EXPECTED_EXIT ARGS...: keeps the --json document for the schema check.
n=0
json() {
  local def="$1" expected="$2" code=0
  shift 2
  n=$((n + 1))
  kd --json "$@" >"$docs/$(printf '%02d' "$n").$def.json" 2>"$KD_TMP/err" || code=$?
  [ "$code" = "$expected" ] || kd_fail "keydesk $* exited $code, not $expected: $(cat "$KD_TMP/err")"
  cat "$docs/$(printf '%02d' "$n").$def.json"
}

# diagnose explains the seed's situation, spending nothing.
before_state="$(state_sum)"
out="$(kd diagnose)"
kd_assert_contains "$out" "hsm-so-pin-low" "diagnose: SO-PIN tries spent"
kd_assert_contains "$out" "SO-PIN tries 7 of 15" "diagnose: SO-PIN evidence"
kd_assert_contains "$out" "16 hexadecimal digits" "diagnose: the SO-PIN format"
kd_assert_contains "$out" "no factory reset" "diagnose: no factory reset"
kd_assert_contains "$out" "firmware update" "diagnose: the vendor's firmware update path"
kd_assert_contains "$out" "new identity" "diagnose: the firmware update gives a new identity"
kd_assert_contains "$out" "hsm-user-pin-low" "diagnose: user PIN low"
kd_assert_contains "$out" "user PIN reset with the SO-PIN enabled" "diagnose: the SO-PIN path exists"
kd_assert_contains "$out" "Nothing was spent" "diagnose: counters read twice"
kd_assert_not_contains "$out" "fido-unreachable" "diagnose: no FIDO finding on an HSM"
json diagnose 0 diagnose >/dev/null
kd_assert_eq "$before_state" "$(state_sum)" "state file after diagnose"

# hsm-status: only status queries and reads reach the token; nothing changes.
before_log=$(wc -l <"$KD_SIM_LOG")
doc="$(json hsm-status 0 hsm-status)"
kd_assert_contains "$doc" '"SoPinTriesLeft": 7' "hsm-status SO-PIN tries"
kd_assert_contains "$doc" '"UserPinTriesLeft": 2' "hsm-status user PIN tries"
kd_assert_contains "$doc" '"DeviceId": "DENK0102296"' "hsm-status device id"
kd_assert_contains "$doc" '"Outcome": "unchanged"' "hsm-status counter check"
sent="$(tail -n +"$((before_log + 1))" "$KD_SIM_LOG" | grep '^keydesk-sim: > ' | sed 's/^keydesk-sim: > //; s/  < .*//')"
while read -r cla ins p1 p2 rest; do
  case "$cla $ins" in
    "00 A4" | "00 B1" | "80 58" | "80 52" | "80 CA" | "00 CA") ;;
    "00 20") [[ "$rest" == "" || "$rest" == Le=* ]] || kd_fail "hsm-status sent a VERIFY with data: $cla $ins $p1 $p2 $rest" ;;
    *) kd_fail "hsm-status sent a command outside the read-only set: $cla $ins $p1 $p2 $rest" ;;
  esac
done <<<"$sent"
kd_assert_eq "$before_state" "$(state_sum)" "state file after hsm-status"
out="$(status)"
kd_assert_contains "$out" "SO-PIN tries left    : 7" "sc-hsm-tool after hsm-status"
kd_assert_contains "$out" "User PIN tries left  : 2" "sc-hsm-tool after hsm-status (user PIN)"

# Malformed SO-PINs: exit 2, the format explained, nothing sent, nothing spent.
before_apdus=$(apdus)
out="$(kd hsm-init --so-pin 57621880 --pin 648219 2>&1)" && kd_fail "hsm-init 57621880 succeeded" || code=$?
kd_assert_eq 2 "$code" "hsm-init 57621880 exit code"
kd_assert_contains "$out" "8 characters typed as they are" "hsm-init 57621880 explains"
kd_assert_contains "$out" "3537363231383830" "hsm-init 57621880 says what was meant"
kd_assert_contains "$out" "no SO-PIN try was spent" "hsm-init 57621880 says nothing was spent"
for bad in 3537-3632-3138-3830 353736323138383 35373632313838300 353736323138383O 648219 \
  33353337333633323331333833383330 'zzzzzzzzzzzzzzzz'; do
  code=0
  kd hsm-init --so-pin "$bad" --pin 123456 >/dev/null 2>"$KD_TMP/err" || code=$?
  kd_assert_eq 2 "$code" "hsm-init with a malformed SO-PIN (exit code)"
  kd_assert_contains "$(cat "$KD_TMP/err")" "16 hexadecimal digits" "hsm-init with a malformed SO-PIN (message)"
  code=0
  kd hsm-pin-unblock --so-pin "$bad" --new-pin 123456 >/dev/null 2>&1 || code=$?
  kd_assert_eq 2 "$code" "hsm-pin-unblock with a malformed SO-PIN"
  code=0
  kd hsm-so-pin-change --so-pin 3537363231383830 --new-so-pin "$bad" >/dev/null 2>&1 || code=$?
  kd_assert_eq 2 "$code" "hsm-so-pin-change with a malformed new SO-PIN"
done
kd_assert_eq "$before_apdus" "$(apdus)" "APDUs sent for malformed SO-PINs"
kd_assert_contains "$(status)" "SO-PIN tries left    : 7" "SO-PIN tries after malformed SO-PINs"
json error 2 hsm-init --so-pin 57621880 --pin 648219 >/dev/null

# A re-initialisation wipes keys: refused without --confirm-cuid, before any SO-PIN attempt.
code=0
out="$(kd hsm-init --so-pin 3537363231383830 --pin 648219 2>&1)" || code=$?
kd_assert_eq 3 "$code" "hsm-init without --confirm-cuid"
kd_assert_contains "$out" "--confirm-cuid DENK0102296" "hsm-init names the device to confirm"
kd_assert_contains "$(status)" "SO-PIN tries left    : 7" "SO-PIN tries after a refused hsm-init"
# The seed's attempt: exactly one SO-PIN try, shown before and after, never repeated.
before_apdus=$(apdus)
code=0
out="$(kd hsm-init --so-pin 3537363231383830 --pin 648219 --confirm-cuid DENK0102296 2>&1)" || code=$?
kd_assert_eq 5 "$code" "hsm-init with the wrong SO-PIN"
kd_assert_contains "$out" "SO-PIN tries: 7 of 15 before, 6 of 15 after" "hsm-init shows the tries"
kd_assert_contains "$out" "documented default" "hsm-init says the SO-PIN given is the documented default"
kd_assert_eq 1 "$(tail -n "$(($(apdus) - before_apdus))" <(grep '^keydesk-sim: > ' "$KD_SIM_LOG") | grep -c '> 80 50')" \
  "INITIALIZE DEVICE sent once"
kd_assert_contains "$(status)" "SO-PIN tries left    : 6" "sc-hsm-tool after the wrong SO-PIN"
json hsm-init 5 hsm-init --so-pin 0011223344556677 --pin 648219 --confirm-cuid DENK0102296 >/dev/null
kd_assert_contains "$(status)" "SO-PIN tries left    : 5" "the second wrong SO-PIN"

# The interlock: 3 tries left is refused without --force, nothing sent.
kd_sim_stop
/usr/bin/python3 - "$KD_STATE" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["applets"]["hsm"]["so_pin"]["remaining"] = 3
json.dump(doc, open(sys.argv[1], "w"))
PY
kd_sim_start
kd_wait_card present
# pcscd may first report the restarted card as reset: wait until the token answers.
for _ in $(seq 50); do kd token-cuid >/dev/null 2>&1 && break; sleep 0.1; done
code=0
out="$(kd hsm-pin-unblock --so-pin 0011223344556677 --new-pin 123456 2>&1)" || code=$?
kd_assert_eq 3 "$code" "hsm-pin-unblock at 3 SO-PIN tries"
kd_assert_contains "$out" "only 3 retries left" "the interlock says why"
kd_assert_contains "$(status)" "SO-PIN tries left    : 3" "the interlock spent nothing"
code=0
out="$(kd hsm-pin-unblock --so-pin 0011223344556677 --new-pin 123456 --force 2>&1)" || code=$?
kd_assert_eq 5 "$code" "forced hsm-pin-unblock with a wrong SO-PIN"
kd_assert_contains "$out" "SO-PIN tries: 3 of 15 before, 2 of 15 after" "forced attempt shows the tries"

# The right SO-PIN: the user PIN is reset, all 15 SO-PIN tries are back.
doc="$(json hsm-pin-unblock 0 hsm-pin-unblock --so-pin 3335333733363332 --new-pin 111222 --force)"
kd_assert_contains "$doc" '"UserPinTriesAfter": 3' "user PIN counter after the unblock"
kd_assert_contains "$doc" '"SoPinTriesAfter": 15' "SO-PIN counter after the right SO-PIN"
pkcs11-tool --module /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so --login --pin 111222 --list-objects >/dev/null 2>&1 ||
  kd_fail "the user PIN set by hsm-pin-unblock does not log in"
json hsm-so-pin-change 0 hsm-so-pin-change --so-pin 3335333733363332 --new-so-pin 3537363231383830 >/dev/null
out="$(sc-hsm-tool -r "$kd_reader" --initialize --so-pin 3537363231383830 --pin 648219 2>&1)"
kd_assert_not_contains "$out" "failed" "sc-hsm-tool re-initialises with the SO-PIN set by hsm-so-pin-change"

# Escrow: a re-initialisation that the device accepted records the SO-PIN, sealed, in the store's vault.
store="sqlite:$KD_TMP/store.db"
"$keydesk" store init --store "$store" --master-key "file:$KD_TMP/master.key" --operator it >/dev/null
doc="$(json hsm-init 0 hsm-init --so-pin 3537363231383830 --pin 648219 --confirm-cuid DENK0102296 \
  --store "$store" --operator it --reason TICKET-4)"
kd_assert_contains "$doc" '"Escrowed": true' "hsm-init --store records the SO-PIN"
kd_assert_eq "sc-hsm-so-pin/DENK0102296" "$(sqlite3 "$KD_TMP/store.db" 'SELECT name FROM vault')" "vault entry"
kd_assert_not_contains "$(sqlite3 "$KD_TMP/store.db" 'SELECT hex(sealed) FROM vault')" "3537363231383830" \
  "the SO-PIN is sealed, not stored in the clear"

/usr/bin/python3 - "$KEYDESK_SOURCE_DIR/docs/cli-json-schema.json" "$docs" <<'PY' || kd_fail "a --json document does not match docs/cli-json-schema.json"
import json, os, sys, jsonschema
schema = json.load(open(sys.argv[1]))
for name in sorted(os.listdir(sys.argv[2])):
    definition = name.split(".", 1)[1].rsplit(".", 1)[0]
    jsonschema.validate(json.load(open(os.path.join(sys.argv[2], name))), {"$ref": "#/$defs/" + definition, "$defs": schema["$defs"]})
print("schema: ok")
PY
echo "PASS test_hsm_keydesk"
