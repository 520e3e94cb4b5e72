#!/usr/bin/env bash
# The offline XAUTH unblock (docs/recovery.md) as two separate processes on the real stack (pcscd + vpcd +
# keydesk-sim): the user's `keydesk unblock` in the background, fed from a fifo, and the help desk's
# `keydesk unblock-response` computing the response from the store. Tokens provisioned by `keydesk provision`
# (derived AES-128 and 3DES admin keys). Asserts:
#  - openssl enc (-aes-128-ecb / -des-ede3, -nopad) with the key on record gives the same cryptogram as the
#    help desk's response; kd_codes.py (the documented checksum written independently) agrees on the codes;
#  - every single-digit error and adjacent swap of the typed response (and of its checksum) is refused before
#    anything is sent: no EXTERNAL AUTHENTICATE in the trace, the XAUTH counter read back unchanged, exit 2;
#  - a wrong, well-formed response spends exactly one XAUTH try and says how many are left (exit 5);
#  - the right one unblocks the blocked PIN (yubico-piv-tool verifies the new PIN), after a mistyped try, and
#    the certificate, OATH credentials and passkey are all still there;
#  - a token pulled out while the user waits invalidates the exchange, says so, and spends nothing;
#  - malformed challenges at the help desk exit 2 with nothing recorded; a static-challenge token is
#    reported as replayable on both sides; the audit trail records the help desk's act and verifies;
#  - every --json document matches docs/cli-json-schema.json.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=/dev/null
source "$here/lib.sh"
# shellcheck source=/dev/null
source "$here/provision_lib.sh"
# shellcheck source=/dev/null
source "$here/recovery_lib.sh"

kd_pcscd_start
kd_new_store "sqlite:$KD_TMP/store.db"
kd_write_policies
docs=()  # "definition<TAB>file" for the schema check at the end
keep_doc() {  # DEFINITION JSON
  local f="$KD_TMP/doc-${#docs[@]}.json"
  printf '%s' "$2" >"$f"
  docs+=("$1	$f")
}
audit_head() { "$keydesk" audit verify --json | "$KD_PY" -c 'import json, sys; print(json.load(sys.stdin)["HeadSeq"])'; }

# --- the AES-128 token -----------------------------------------------------------------------------------
kd_fresh_token factory
cuid="$(kd_cuid)"
run_kd 0 provision --reader "$kd_reader" --policy "$KD_TMP/policy-factory.json" --user alice
key="$(kd_secret "$cuid" admin-key)"
make_survivors "$(kd_secret "$cuid" piv-management-key)" "$(kd_secret "$cuid" initial-pin)" "$(kd_secret "$cuid" fido-pin)"
fido_pin="$(kd_secret "$cuid" fido-pin)"
before="$(survivors "$fido_pin")"
kd_assert_contains "$before" "CN=Recovery Survivor" "survivors: the certificate"
kd_assert_contains "$before" "subject: DN: CN=Recovery Survivor" "survivors: the certificate as pkcs11-tool lists it"
kd_assert_contains "$before" "corp:alice" "survivors: OATH"
kd_assert_contains "$before" "example.com alice" "survivors: the passkey"
block_pin_aca
xauth_max="$(aca_prop MaxXAUTHTryCounter)"
kd_assert_eq "$xauth_max" "$(aca_prop CurrentXAUTHTryCounter)" "XAUTH tries at the start"

# 1. Every mistake in the typed response is refused before anything is sent; the input then ends: exit 2.
user_unblock_start 24681357
user_read_challenge
helpdesk_response "$cuid" --xauth-master vault:xauth-master
keep_doc unblock-response "$out"
kd_assert_eq aes128 "$(json_get "$out" '["Algorithm"]')" "help desk: algorithm chosen by the KCV"
kd_assert_eq derived "$(json_get "$out" '["KeySource"]')" "help desk: key diversified from the master"
kd_assert_eq "$(kd_codes encode challenge "$(kd_codes hex challenge "$challenge")")" "$challenge $challenge_sum" "kd_codes.py agrees on the challenge's code"
kd_assert_eq "$(openssl_cryptogram aes-128-ecb "$key" "$(kd_codes hex challenge "$challenge")")" \
  "$(kd_codes hex response "$response")" "openssl enc -aes-128-ecb -nopad: the cryptogram"
kd_assert_eq "$(kd_codes encode response "$(kd_codes hex response "$response")")" "$response $response_sum" "kd_codes.py agrees on the response's code"
kd_codes mistakes response "$response" "$response_sum" >"$KD_TMP/mistakes"
mistakes=$(wc -l <"$KD_TMP/mistakes")
[ "$mistakes" -gt 350 ] || kd_fail "only $mistakes mistakes generated"
cat "$KD_TMP/mistakes" >&7
user_finish
kd_assert_eq 2 "$user_rc" "every mistake refused, then no more input: exit 2"
kd_assert_eq "$mistakes" "$(grep -c 'Response not accepted' <<<"$user_err")" "each mistake refused with a message"
kd_assert_not_contains "$user_err" "> 00 82" "no EXTERNAL AUTHENTICATE was sent"
kd_assert_contains "$user_err" "> 00 84" "the challenge was read (the trace shows GET CHALLENGE)"
kd_assert_eq "$xauth_max" "$(aca_prop CurrentXAUTHTryCounter)" "no XAUTH try spent by the mistakes"
kd_assert_eq 0 "$(aca_prop CurrentPinTryCounter)" "the PIN is still blocked"
# The challenge typed where the response belongs is named as such.
user_unblock_start 24681357
user_read_challenge
user_type "$challenge $challenge_sum"
user_finish
kd_assert_eq 2 "$user_rc" "the challenge typed as the response: exit 2"
kd_assert_contains "$user_err" "this is a challenge, not a response" "the swap is named"
keep_doc error "$user_out"

# 2. A wrong, well-formed response spends exactly one XAUTH try and says how many are left.
user_unblock_start 24681357
user_read_challenge
wrong_block="$(kd_codes hex challenge "$challenge")"  # the challenge itself: right form, wrong cryptogram
user_type "$(kd_codes encode response "$wrong_block")"
user_finish
kd_assert_eq 5 "$user_rc" "a wrong response: exit 5 (wrong, tries remain)"
keep_doc unblock "$user_out"
kd_assert_eq wrong "$(json_get "$user_out" '["Outcome"]')" "wrong response: outcome"
kd_assert_eq "$xauth_max" "$(json_get "$user_out" '["XauthTriesBefore"]')" "wrong response: tries before"
kd_assert_eq $((xauth_max - 1)) "$(json_get "$user_out" '["XauthTriesAfter"]')" "wrong response: tries after"
kd_assert_eq False "$(json_get "$user_out" '["PinUnblocked"]')" "wrong response: PIN not unblocked"
kd_assert_eq $((xauth_max - 1)) "$(aca_prop CurrentXAUTHTryCounter)" "the token's XAUTH counter read back"

# 3. Pulled out while the user is on the phone: the exchange is invalid, nothing is spent.
user_unblock_start 24681357
user_read_challenge
helpdesk_response "$cuid" --xauth-master vault:xauth-master
kd_control remove >/dev/null
kd_wait_card absent 5
kd_control insert >/dev/null
kd_wait_card present 5
user_type "$response $response_sum"
user_finish
kd_assert_eq 4 "$user_rc" "token pulled meanwhile: exit 4"
kd_assert_contains "$user_out" "the challenge died with its card session" "the removal is explained"
keep_doc error "$user_out"
kd_assert_eq $((xauth_max - 1)) "$(aca_prop CurrentXAUTHTryCounter)" "nothing spent by the stale response"

# 4. The right response, after one mistyped line, in the same card session: the PIN is unblocked.
user_unblock_start 24681357
user_read_challenge
helpdesk_response "$cuid" --xauth-master vault:xauth-master
first="$(head -1 < <(kd_codes mistakes response "$response" "$response_sum"))"
user_type "$first" "$response $response_sum"
user_finish
kd_assert_eq 0 "$user_rc" "the right response: exit 0 ($user_err)"
keep_doc unblock "$user_out"
kd_assert_eq ok "$(json_get "$user_out" '["Outcome"]')" "right response: outcome"
kd_assert_eq True "$(json_get "$user_out" '["PinUnblocked"]')" "right response: PIN unblocked"
kd_assert_eq 1 "$(json_get "$user_out" '["ResponsesRejected"]')" "one mistyped line was refused first"
kd_assert_eq True "$(json_get "$user_out" '["XauthEnded"]')" "the XAUTH authentication was ended"
kd_assert_eq "$xauth_max" "$(aca_prop CurrentXAUTHTryCounter)" "a right response restores the XAUTH counter"
o="$(yubico-piv-tool -r "$kd_reader" -a verify-pin -P 24681357 2>&1)" || kd_fail "yubico-piv-tool refused the new PIN: $o"
kd_assert_eq "$before" "$(survivors "$fido_pin")" "certificate, OATH credentials and passkey survive the unblock"
trail="$("$keydesk" record show "$cuid")"
kd_assert_contains "$trail" "recovery.xauth-response" "the help desk's act is in the audit trail"
"$keydesk" audit verify >/dev/null || kd_fail "audit verify after the recovery"

# 5. Bad input at the help desk: exit 2, nothing read, nothing recorded.
head_before="$(audit_head)"
good_digits="$(kd_codes encode challenge 00112233445566778899AABBCCDDEEFF)"
good="${good_digits% *}"
good_sum="${good_digits##* }"
for bad in "--challenge=${good}1 --checksum=$good_sum" "--challenge=${good:1} --checksum=$good_sum" \
  "--challenge=${good/0/A} --checksum=$good_sum" "--challenge=$good --checksum=${good_sum:1}" \
  "--challenge=$good --checksum=$(printf '%04d' $(((10#$good_sum + 1) % 10000)))" \
  "--challenge=$(kd_codes encode response 00112233445566778899AABBCCDDEEFF | sed 's/ [0-9]*$//') --checksum=$(kd_codes encode response 00112233445566778899AABBCCDDEEFF | sed 's/.* //')" \
  "--challenge=12345"; do
  # shellcheck disable=SC2086
  run_kd 2 unblock-response --cuid "$cuid" $bad --xauth-master vault:xauth-master --reason IT-4711
done
run_kd 2 unblock-response --cuid "$cuid" --challenge "$good" --checksum "$good_sum" --xauth-master vault:xauth-master
kd_assert_contains "$err" "--reason" "the reason is required"
run_kd 2 unblock-response --cuid 1234 --challenge "$good" --checksum "$good_sum" --reason IT-4711
run_kd 2 unblock-response --cuid "$cuid" --challenge "$good" --checksum "$good_sum" --xauth-master bogus --reason IT-4711
kd_assert_eq "$head_before" "$(audit_head)" "bad input recorded nothing and read no secret"
# A master that is not the one the token was provisioned under: the KCV refuses it (no response given).
head -c 32 /dev/urandom | xxd -p -c 64 >"$KD_TMP/other-master.hex"
run_kd 3 unblock-response --cuid "$cuid" --challenge "$good" --checksum "$good_sum" \
  --xauth-master "file:$KD_TMP/other-master.hex" --reason IT-4711
kd_assert_contains "$err" "key check value" "a wrong master is refused by the record's KCV"

# --- the 3DES token with a static challenge --------------------------------------------------------------
sed 's/"algorithm": "aes128", "master"/"algorithm": "tdes", "challenge": "static", "master"/; s/"it-factory"/"it-tdes"/' \
  "$KD_TMP/policy-factory.json" >"$KD_TMP/policy-tdes.json"
grep -q '"tdes", "challenge": "static"' "$KD_TMP/policy-tdes.json" || kd_fail "the 3DES policy was not written"
kd_fresh_token factory
cuid="$(kd_cuid)"
run_kd 0 provision --reader "$kd_reader" --policy "$KD_TMP/policy-tdes.json" --user bob
key="$(kd_secret "$cuid" admin-key)"
block_pin_aca
user_unblock_start 13572468
user_read_challenge
kd_assert_eq 20 "$(tr -d ' ' <<<"$challenge" | wc -c | xargs expr -1 +)" "a 3DES challenge has 20 digits"
helpdesk_response "$cuid" --xauth-master vault:xauth-master
kd_assert_eq tdes "$(json_get "$out" '["Algorithm"]')" "help desk: 3DES"
kd_assert_eq False "$(json_get "$out" '["Replayable"]')" "first response for this challenge"
kd_assert_eq "$(openssl_cryptogram des-ede3 "$key" "$(kd_codes hex challenge "$challenge")")" \
  "$(kd_codes hex response "$response")" "openssl enc -des-ede3 -nopad: the cryptogram"
user_type "$(tr -d ' ' <<<"$response")" "$response_sum"  # digits and checksum on two lines
user_finish
kd_assert_eq 0 "$user_rc" "3DES: exit 0 ($user_err)"
keep_doc unblock "$user_out"
kd_assert_eq True "$(json_get "$user_out" '["Replayable"]')" "user side: a static challenge is replayable"
kd_assert_contains "$user_err" "WARNING: this token's XAUTH challenge is static" "user side: the warning"
o="$(yubico-piv-tool -r "$kd_reader" -a verify-pin -P 13572468 2>&1)" || kd_fail "yubico-piv-tool refused the new PIN: $o"
helpdesk_response "$cuid" --xauth-master vault:xauth-master
keep_doc unblock-response "$out"
kd_assert_eq True "$(json_get "$out" '["Replayable"]')" "help desk: the same challenge again is replayable"
kd_assert_contains "$(json_get "$out" '["Warnings"]')" "static" "help desk: the warning"

# --- a PIV-only token has no XAUTH: refused, nothing sent -----------------------------------------------
kd_fresh_token yubikey5
run_kd 3 --reader "$kd_reader" unblock -n 24681357
kd_assert_contains "$err" "no access-control applet" "PIV-only: explained"
run_kd 2 --reader "$kd_reader" unblock -n 12
kd_assert_contains "$err" "PIN" "a malformed new PIN: exit 2 before the token is opened"

# --- every document against the schema ------------------------------------------------------------------
/usr/bin/python3 - "$KEYDESK_SOURCE_DIR/docs/cli-json-schema.json" "${docs[@]}" <<'PY' || kd_fail "a --json document does not match docs/cli-json-schema.json"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
for item in sys.argv[2:]:
    definition, path = item.split("\t")
    jsonschema.validate(json.load(open(path)), {"$ref": "#/$defs/" + definition, "$defs": schema["$defs"]})
PY
echo "PASS test_recovery_xauth"
