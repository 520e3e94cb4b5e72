#!/usr/bin/env bash
# keydesk pin-unblock (docs/recovery.md) on the real stack: the PUK on record is released from the store as
# an audited act and used for exactly one RESET RETRY COUNTER; the operator never sees it. Tokens provisioned
# by `keydesk provision`: the factory token with the access-control applet (derived PUK) and the yubikey5
# PIV-only token (batch PUK, PIV RESET RETRY COUNTER). Asserts:
#  - the blocked PIN is unblocked: yubico-piv-tool verifies the new PIN; the PUK counter is back at its maximum;
#  - the certificate (yubico-piv-tool, pkcs11-tool), OATH credentials (ykman) and passkey (python3-fido2
#    credential management) made before are all still there;
#  - the PUK never appears in stdout, stderr or the -v trace; the audit trail has the release (secret.read,
#    field puk, with the reason and operator) and the outcome (recovery.pin-unblock), and verifies;
#  - no --reason: exit 2, nothing read from the store; a malformed new PIN: exit 2 before anything is sent;
#    a token whose record says lost: exit 3, nothing released;
#  - a PUK on record that no longer matches the token: one attempt (one RESET RETRY COUNTER in the trace),
#    exit 5 with the tries left, never retried;
#  - a record whose PIN method is default-force-change gets force-change set again on the ACA (XAUTH with the
#    admin key on record); a PIV-only token has no such flag;
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
docs=()
keep_doc() {  # DEFINITION JSON
  local f="$KD_TMP/doc-${#docs[@]}.json"
  printf '%s' "$2" >"$f"
  docs+=("$1	$f")
}
audit_head() { "$keydesk" audit verify --json | "$KD_PY" -c 'import json, sys; print(json.load(sys.stdin)["HeadSeq"])'; }
piv_select=00A4040009A0000003080000100000
piv_pin() { printf '%s' "$1" | xxd -p | sed -E ':a; s/^(.{0,15})$/\1F/; ta'; }  # PIN padded to 8 bytes with FF

# --- the factory token (access-control applet) -----------------------------------------------------------
kd_fresh_token factory
cuid="$(kd_cuid)"
run_kd 0 provision --reader "$kd_reader" --policy "$KD_TMP/policy-factory.json" --user alice
puk="$(kd_secret "$cuid" puk)"
fido_pin="$(kd_secret "$cuid" fido-pin)"
make_survivors "$(kd_secret "$cuid" piv-management-key)" "$(kd_secret "$cuid" initial-pin)" "$fido_pin"
before="$(survivors "$fido_pin")"
kd_assert_contains "$before" "CN=Recovery Survivor" "survivors: the certificate"
kd_assert_contains "$before" "subject: DN: CN=Recovery Survivor" "survivors: the certificate as pkcs11-tool lists it"
kd_assert_contains "$before" "vpn" "survivors: OATH"
kd_assert_contains "$before" "example.com alice" "survivors: the passkey"
block_pin_aca
puk_max="$(aca_prop MaxPinUnlockCounter)"

# Refusals that read nothing and send nothing.
head_before="$(audit_head)"
KD_NEW=24681357 run_kd 2 --reader "$kd_reader" pin-unblock -n env:KD_NEW
kd_assert_contains "$err" "--reason" "no reason: explained"
run_kd 2 --reader "$kd_reader" pin-unblock -n 12 --reason IT-4711
kd_assert_eq "$head_before" "$(audit_head)" "refusals read nothing from the store"
kd_assert_eq 0 "$(aca_prop CurrentPinTryCounter)" "the PIN is still blocked"

# The unblock: the PUK released, used once, never shown.
KD_NEW=24681357 run_kd 0 --reader "$kd_reader" pin-unblock -n env:KD_NEW --reason IT-4711 --operator helpdesk-1 --json -v
keep_doc pin-unblock "$out"
kd_assert_eq ok "$(json_get "$out" '["Outcome"]')" "ACA: outcome"
kd_assert_eq PUK "$(json_get "$out" '["Reference"]')" "ACA: the PUK was the attempt"
kd_assert_eq ACA "$(json_get "$out" '["Source"]')" "ACA: through the access-control applet"
kd_assert_eq "$cuid" "$(json_get "$out" '["CUID"]')" "ACA: the token's CUID"
kd_assert_eq not-required "$(json_get "$out" '["ForcePinChange"]')" "ACA: random-delivered PIN, no force-change"
kd_assert_eq "$puk_max" "$(json_get "$out" '["RetriesAfter"]')" "ACA: PUK tries after"
kd_assert_not_contains "$out$err" "$puk" "the PUK appears nowhere in the output or the trace"
kd_assert_contains "$err" "> 00 2C 00 80 <" "the trace masks the RESET RETRY COUNTER"
kd_assert_eq 1 "$(grep -c '> 00 2C' <<<"$err")" "exactly one RESET RETRY COUNTER"
o="$(yubico-piv-tool -r "$kd_reader" -a verify-pin -P 24681357 2>&1)" || kd_fail "yubico-piv-tool refused the new PIN: $o"
kd_assert_eq "$before" "$(survivors "$fido_pin")" "ACA: certificate, OATH credentials and passkey survive"
trail="$("$keydesk" record show "$cuid" --json | "$KD_PY" -c '
import json, sys
for e in json.load(sys.stdin)["Records"][0]["History"]:
    print(e["Action"], e["Operator"], e["Reason"], (e["Details"] or {}).get("field", "-"), (e["Details"] or {}).get("outcome", "-"))')"
kd_assert_contains "$trail" "secret.read helpdesk-1 IT-4711 puk opened" "the PUK's release is audited with operator and reason"
kd_assert_contains "$trail" "recovery.pin-unblock helpdesk-1 IT-4711 - ok" "the outcome is in the audit trail"
"$keydesk" audit verify >/dev/null || kd_fail "audit verify after pin-unblock"

# A PUK on record that the token no longer has (changed behind the store's back): one attempt, exit 5.
kd_apdu $piv_select "0024008110$(piv_pin "$puk")$(piv_pin 87654321)" | tail -1 | grep -q 9000 || kd_fail "could not change the PUK for the test"
block_pin_aca
KD_NEW=24681357 run_kd 5 --reader "$kd_reader" pin-unblock -n env:KD_NEW --reason IT-4712 --json -v
keep_doc pin-unblock "$out"
kd_assert_eq wrong "$(json_get "$out" '["Outcome"]')" "stale PUK: outcome"
kd_assert_eq "$puk_max" "$(json_get "$out" '["RetriesBefore"]')" "stale PUK: tries before"
kd_assert_eq $((puk_max - 1)) "$(json_get "$out" '["RetriesAfter"]')" "stale PUK: tries after"
kd_assert_eq 1 "$(grep -c '> 00 2C' <<<"$err")" "stale PUK: one attempt, never repeated"

# A token reported lost is never unblocked for whoever holds it: refused before the PUK is released.
run_kd 0 record set-status "$cuid" lost --reason IT-4799
head_before="$(audit_head)"
KD_NEW=24681357 run_kd 3 --reader "$kd_reader" pin-unblock -n env:KD_NEW --reason IT-4715
kd_assert_contains "$err" "lost" "a lost token: refused, saying why"
kd_assert_eq "$head_before" "$(audit_head)" "a lost token: nothing released"

# --- default-force-change on the ACA: force-change is set again after the unblock ------------------------
sed 's/"method": "random-delivered", "length": 8/"method": "default-force-change"/; s/"it-factory"/"it-force"/' \
  "$KD_TMP/policy-factory.json" >"$KD_TMP/policy-force.json"
kd_fresh_token factory
cuid="$(kd_cuid)"
run_kd 0 provision --reader "$kd_reader" --policy "$KD_TMP/policy-force.json" --user carol
kd_assert_eq default-force-change "$(kd_record_field "$cuid" PinMethod)" "force policy: PIN method"
block_pin_aca
KD_NEW=97531864 run_kd 0 --reader "$kd_reader" pin-unblock -n env:KD_NEW --reason IT-4713 --json
keep_doc pin-unblock "$out"
kd_assert_eq set "$(json_get "$out" '["ForcePinChange"]')" "force policy: force-change set"
kd_assert_eq True "$(aca_prop ForcePinChange)" "the token forces a PIN change"
kd_assert_eq "$(aca_prop MaxPinTryCounter)" "$(aca_prop CurrentPinTryCounter)" "force policy: PIN tries at the maximum"

# --- the yubikey5 token (PIV only) -----------------------------------------------------------------------
kd_fresh_token yubikey5
cuid="$(kd_cuid)"
run_kd 0 provision --reader "$kd_reader" --policy "$KD_TMP/policy-yubikey.json" --user dave
fido_pin=86420864
"$KD_PY" - "$fido_pin" <<'PY' || kd_fail "python3-fido2 could not set the FIDO PIN"
import sys
from fido2.ctap2 import Ctap2, ClientPin
from fido2.pcsc import CtapPcscDevice
ClientPin(Ctap2(list(CtapPcscDevice.list_devices())[0])).set_pin(sys.argv[1])
PY
make_survivors "$(kd_secret "$cuid" admin-key)" 123456 "$fido_pin"
before="$(survivors "$fido_pin")"
kd_assert_contains "$before" "CN=Recovery Survivor" "yubikey5 survivors: the certificate"
kd_assert_contains "$before" "subject: DN: CN=Recovery Survivor" "yubikey5 survivors: pkcs11-tool"
kd_assert_contains "$before" "corp:dave" "yubikey5 survivors: OATH"
kd_assert_contains "$before" "example.com alice" "yubikey5 survivors: the passkey"
steps=($piv_select)
for i in $(seq 6); do steps+=("0020008008$(piv_pin 999999)"); done
kd_apdu "${steps[@]}" >/dev/null
kd_assert_eq 0 "$(aca_prop CurrentPinTryCounter)" "yubikey5: the PIN is blocked"
KD_NEW=24681357 run_kd 0 --reader "$kd_reader" pin-unblock -n env:KD_NEW --reason IT-4714 --json -v
keep_doc pin-unblock "$out"
kd_assert_eq ok "$(json_get "$out" '["Outcome"]')" "yubikey5: outcome"
kd_assert_eq PIV "$(json_get "$out" '["Source"]' | cut -c1-3)" "yubikey5: through PIV"
kd_assert_eq not-required "$(json_get "$out" '["ForcePinChange"]')" "yubikey5: no force-change on PIV"
kd_assert_eq 1 "$(grep -c '> 00 2C' <<<"$err")" "yubikey5: exactly one RESET RETRY COUNTER"
o="$(yubico-piv-tool -r "$kd_reader" -a verify-pin -P 24681357 2>&1)" || kd_fail "yubikey5: yubico-piv-tool refused the new PIN: $o"
kd_assert_eq "$before" "$(survivors "$fido_pin")" "yubikey5: certificate, OATH credentials and passkey survive"

/usr/bin/python3 - "$KEYDESK_SOURCE_DIR/docs/cli-json-schema.json" "${docs[@]}" <<'PY' || kd_fail "a --json document does not match docs/cli-json-schema.json"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
for item in sys.argv[2:]:
    definition, path = item.split("\t")
    jsonschema.validate(json.load(open(path)), {"$ref": "#/$defs/" + definition, "$defs": schema["$defs"]})
PY
echo "PASS test_recovery_puk"
