#!/usr/bin/env bash
# keydesk provision on the real stack (pcscd + vpcd + keydesk-sim), judged by third-party tools against what
# the store gives back (`keydesk record secret`, audited): on the factory token (ACA + PIV + OATH + FIDO)
# yubico-piv-tool verifies the recorded PIN, authenticates with the recorded management key and unblocks the
# PIN with the recorded PUK; pyca/cryptography computes the XAUTH cryptogram the token accepts; oathtool gives
# the token's TOTP and HOTP codes from the recorded seeds; python3-pskc reads the exported PSKC (passphrase,
# MACs checked) with the same seeds and counter; ykman verifies the FIDO PIN. On the yubikey5 token (PIV
# only): the "no force-change" note and record, ykman's tries and management key algorithm, ykman
# authenticating with the AES-192 key and unblocking with the batch PUK, and the PSK export. Then the
# refusals that change nothing: a PSKC file with a bad MAC, the wrong key, malformed XML; a bad policy; a
# token not in its factory state. provision-batch provisions two tokens on two readers, resumes one that was
# interrupted and skips the done one.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=/dev/null
source "$here/lib.sh"
# shellcheck source=/dev/null
source "$here/provision_lib.sh"

kd_pcscd_start
kd_new_store "sqlite:$KD_TMP/store.db"
kd_write_policies

# --- the factory token ----------------------------------------------------------------------------------
kd_fresh_token factory
cuid="$(kd_cuid)"
run_kd 0 provision --reader "$kd_reader" --policy "$KD_TMP/policy-factory.json" --user alice --email alice@example.com --json
kd_assert_eq confirmed "$(json_get "$out" '["Outcome"]')" "factory: outcome"
kd_assert_eq "$cuid" "$(json_get "$out" '["CUID"]')" "factory: CUID"
kd_assert_eq confirmed "$(kd_record_field "$cuid" Provisioning)" "factory: record provisioning"
kd_assert_eq active "$(kd_record_field "$cuid" Status)" "factory: record status"
kd_assert_eq random-delivered "$(kd_record_field "$cuid" PinMethod)" "factory: PIN method"
kd_assert_eq derived "$(kd_record_field "$cuid" PukMethod)" "factory: PUK method"
kd_assert_eq derived "$(kd_record_field "$cuid" AdminKeyMethod)" "factory: admin key method"

pin="$(kd_secret "$cuid" initial-pin)"
puk="$(kd_secret "$cuid" puk)"
mgmt="$(kd_secret "$cuid" piv-management-key)"
xauth="$(kd_secret "$cuid" admin-key)"
fido_pin="$(kd_secret "$cuid" fido-pin)"
[ ${#pin} = 8 ] || kd_fail "factory: the random PIN has 8 digits, got ${#pin}"
[ "$mgmt" != "$KD_DEFAULT_MGMT" ] || kd_fail "factory: the management key is the default"
judge_pin "$pin" "factory"
judge_management_key_tdes "$mgmt" "factory"
judge_xauth "$xauth" "factory"
# The record keeps the XAUTH key's check value: E_K(0^16)[0..3) as openssl computes it.
kcv="$(printf '%032d' 0 | xxd -r -p | openssl enc -aes-128-ecb -nopad -K "$xauth" | xxd -p | cut -c1-6 | tr a-f A-F)"
kd_assert_eq "$kcv" "$(kd_record_field "$cuid" AdminKeyCheckValue)" "factory: KCV on record"
judge_totp "$cuid" "corp:alice" 6 "factory"
judge_hotp "$cuid" vpn 3 "factory"
o="$(ykman --reader "$kd_reader" fido access verify-pin --pin "$fido_pin" 2>&1)" || kd_fail "factory: ykman refused the recorded FIDO PIN: $o"
# The validation server's file: python3-pskc reads it with the passphrase and checks every MAC.
export_file="$KD_TMP/validation/$cuid.pskc"
[ "$(stat -c %a "$export_file")" = 600 ] || kd_fail "factory: the export is not 0600"
exported="$(pskc_read "$export_file" passphrase)" || kd_fail "factory: python3-pskc could not read the export"
kd_assert_contains "$exported" "vpn $(kd_secret "$cuid" oath-seed/vpn) 3 " "factory: HOTP seed and counter in the export"
kd_assert_contains "$exported" "corp:alice $(kd_secret "$cuid" oath-seed/corp:alice) None " "factory: TOTP seed in the export"
# A changed ValueMAC: python3-pskc refuses the file.
sed 's#<xenc:CipherValue>\(.\)#<xenc:CipherValue>A\1#' "$export_file" | sed '0,/ValueMAC>\(.\)/s//ValueMAC>B\1/' >"$KD_TMP/tampered.pskc"
if pskc_read "$KD_TMP/tampered.pskc" passphrase >/dev/null 2>&1; then kd_fail "python3-pskc accepted a tampered export"; fi
# Last: the recorded PUK unblocks the PIN (yubico-piv-tool's RESET RETRY COUNTER).
o="$(yubico-piv-tool -r "$kd_reader" -a unblock-pin -P "$puk" -N 24681357 2>&1)" || kd_fail "factory: the recorded PUK does not unblock: $o"
judge_pin 24681357 "factory after unblock"
# Provisioned once: a second run is refused.
run_kd 1 provision --reader "$kd_reader" --policy "$KD_TMP/policy-factory.json" --user alice
kd_assert_contains "$err" "already provisioned" "factory: second run"
# Every secret release above is in the audit trail, and the trail verifies.
run_kd 0 audit verify

# --- a YubiKey (PIV only) ---------------------------------------------------------------------------------
kd_fresh_token yubikey5
cuid="$(kd_cuid)"
run_kd 0 provision --reader "$kd_reader" --policy "$KD_TMP/policy-yubikey.json" --user bob
kd_assert_contains "$out" "no force-change on a PIV-only token" "yubikey: says there is no force-change"
kd_assert_eq default-no-force-change "$(kd_record_field "$cuid" PinMethod)" "yubikey: PIN method on record"
kd_assert_eq batch-shared "$(kd_record_field "$cuid" PukMethod)" "yubikey: PUK method"
kd_assert_eq random-per-token "$(kd_record_field "$cuid" AdminKeyMethod)" "yubikey: management key method"
kd_assert_eq 123456 "$(kd_secret "$cuid" initial-pin)" "yubikey: the kept transport PIN is on record"
info="$(ykman --reader "$kd_reader" piv info)"
kd_assert_contains "$info" "PIN tries remaining: 5/5" "yubikey: PIN tries"
kd_assert_contains "$info" "Management key algorithm: AES192" "yubikey: management key algorithm"
judge_management_key_ykman "$(kd_secret "$cuid" admin-key)" "yubikey"
judge_totp "$cuid" "corp:bob" 8 "yubikey"
exported="$(pskc_read "$KD_TMP/validation/$cuid.pskc" psk)" || kd_fail "yubikey: python3-pskc could not read the PSK export"
kd_assert_contains "$exported" "corp:bob $(kd_secret "$cuid" oath-seed/corp:bob) None" "yubikey: seed in the PSK export"
puk="$(kd_secret "$cuid" puk)"
[ "$puk" != 12345678 ] || kd_fail "yubikey: the PUK is the default"
kd_assert_eq "$puk" "$(run_kd 0 record secret "$cuid" puk --reason IT-1; echo "$out")" "yubikey: record secret prints the PUK"
o="$(ykman --reader "$kd_reader" piv access unblock-pin -p "$puk" -n 13572468 2>&1)" || kd_fail "yubikey: the batch PUK does not unblock: $o"
judge_pin 13572468 "yubikey after unblock"

# --- refusals that change nothing -------------------------------------------------------------------------
kd_fresh_token yubikey5
cuid="$(kd_cuid)"
serial="$(kd_control status | "$KD_PY" -c 'import json, sys; print(json.load(sys.stdin)["serial"])')"
state_before="$(cat "$KD_STATE")"
# A vendor file for this token's serial, written by python3-pskc with a pre-shared key.
"$KD_PY" - "$KD_TMP/vendor.pskc" "$serial" <<'PY'
import sys, pskc
p = pskc.PSKC()
p.encryption.setup_preshared_key(key=bytes.fromhex("000102030405060708090a0b0c0d0e0f"), key_name="vendor")
k = p.add_key(id="vk1", secret=bytes.fromhex("3132333435363738393031323334353637383930"), algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp", response_length=6, response_encoding="DECIMAL", counter=7, serial=sys.argv[2], issuer="Vendor")
p.mac.setup(key=bytes(range(20)))
p.write(sys.argv[1])
PY
printf '000102030405060708090a0b0c0d0e0f\n' >"$KD_TMP/vendor.hex"
printf '0f0e0d0c0b0a09080706050403020100\n' >"$KD_TMP/wrong.hex"
import_policy() {  # FILE KEYFILE
  cat >"$KD_TMP/policy-import.json" <<EOF2
{"format": "keydesk-provisioning-policy/1", "name": "it-import",
 "puk": {"strategy": "random-per-token"}, "pin": {"method": "random-delivered"},
 "piv_management_key": {"algorithm": "tdes"},
 "oath": {"import": {"file": "$1", "preshared_key": {"file": "$2"}}},
 "fido": {"scope": "out-of-scope"}}
EOF2
}
import_policy "$KD_TMP/vendor.pskc" "$KD_TMP/wrong.hex"
run_kd 3 provision --reader "$kd_reader" --policy "$KD_TMP/policy-import.json"
kd_assert_contains "$err" "wrong key or passphrase" "import: wrong key"
kd_assert_contains "$err" "nothing was imported" "import: says nothing was imported"
# One bit of the secret's ValueMAC flipped (still valid base64).
"$KD_PY" - "$KD_TMP/vendor.pskc" "$KD_TMP/badmac.pskc" <<'PY'
import base64, re, sys
xml = open(sys.argv[1]).read()
def flip(m):
    mac = bytearray(base64.b64decode(m.group(2)))
    mac[0] ^= 1
    return m.group(1) + base64.b64encode(bytes(mac)).decode() + m.group(3)
open(sys.argv[2], "w").write(re.sub(r"(<pskc:ValueMAC>)([^<]+)(</pskc:ValueMAC>)", flip, xml, count=1))
PY
import_policy "$KD_TMP/badmac.pskc" "$KD_TMP/vendor.hex"
run_kd 3 provision --reader "$kd_reader" --policy "$KD_TMP/policy-import.json"
kd_assert_contains "$err" "wrong key or passphrase, or damaged file" "import: bad MAC"
head -c 300 "$KD_TMP/vendor.pskc" >"$KD_TMP/truncated.pskc"
import_policy "$KD_TMP/truncated.pskc" "$KD_TMP/vendor.hex"
run_kd 2 provision --reader "$kd_reader" --policy "$KD_TMP/policy-import.json"
kd_assert_contains "$err" "nothing was imported" "import: malformed XML"
printf '{"format": "keydesk-provisioning-policy/1", "name": "x", "pin": {"method": "random-delivered"}, "pin": {}}' >"$KD_TMP/dup.json"
run_kd 2 provision --reader "$kd_reader" --policy "$KD_TMP/dup.json"
kd_assert_contains "$err" "appears twice" "a policy with a duplicate member"
kd_assert_eq "$state_before" "$(cat "$KD_STATE")" "refused imports and policies changed nothing on the token"
run_kd 1 record show "$cuid"
kd_assert_contains "$err" "no record" "refused imports and policies recorded nothing"
# The right key: the vendor's HOTP seed goes on the token with its counter; oathtool agrees.
import_policy "$KD_TMP/vendor.pskc" "$KD_TMP/vendor.hex"
run_kd 0 provision --reader "$kd_reader" --policy "$KD_TMP/policy-import.json"
judge_hotp "$cuid" "Vendor:vk1" 7 "import"
# A token that is not in its factory state is refused (its management key changed behind keydesk's back).
kd_fresh_token yubikey5
yubico-piv-tool -r "$kd_reader" --key="$KD_DEFAULT_MGMT" -a set-mgm-key -n 0F0E0D0C0B0A090807060504030201000F0E0D0C0B0A0908 >/dev/null 2>&1
state_before="$(cat "$KD_STATE")"
run_kd 3 provision --reader "$kd_reader" --policy "$KD_TMP/policy-yubikey.json"
kd_assert_contains "$err" "not in its factory state" "non-factory token"
kd_assert_eq "$state_before" "$(cat "$KD_STATE")" "a refused token is unchanged"

# --- provision-batch: two readers, one interrupted, resumable --------------------------------------------
kd_sim_stop
kd_wait_card absent 5
kd_slot_start 0 yubikey5
kd_slot_start 1 factory
c0="$("$keydesk" --reader "Virtual PCD 00 00" token-cuid --json | "$KD_PY" -c 'import json, sys; print(json.load(sys.stdin)["CUID"])')"
c1="$("$keydesk" --reader "Virtual PCD 00 01" token-cuid --json | "$KD_PY" -c 'import json, sys; print(json.load(sys.stdin)["CUID"])')"
# The factory token stops answering in the middle of its run.
kd_slot_control_cmd 1 "freeze after 25" >/dev/null
rc=0
"$keydesk" --timeout 2 provision-batch --policy "$KD_TMP/policy-factory.json" >"$KD_TMP/out" 2>"$KD_TMP/err" || rc=$?
out="$(cat "$KD_TMP/out")"
kd_assert_eq 7 "$rc" "batch with a frozen token: exit code of its failure (timeout)"
kd_assert_eq 2 "$(grep -c "Virtual PCD 00 0" <<<"$out")" "batch: one result line per token"
kd_assert_contains "$out" "$c0" "batch: the first token's line"
kd_assert_contains "$(grep "Virtual PCD 00 01" <<<"$out")" "failed" "batch: the frozen token failed"
kd_assert_not_contains "$out" $'\r' "no progress bar when stdout is not a terminal"
kd_assert_eq pending "$(kd_record_field "$c1" Provisioning)" "batch: the interrupted token is pending"
# The token is pulled and put back (which also ends the freeze).
kd_slot_control_cmd 1 remove >/dev/null
"$KD_PY" "$KD_LIB_DIR/kd_pcsc.py" wait-card "Virtual PCD 00 01" absent 10 || kd_fail "slot 1 not removed"
kd_slot_control_cmd 1 insert >/dev/null
"$KD_PY" "$KD_LIB_DIR/kd_pcsc.py" wait-card "Virtual PCD 00 01" present 10 || kd_fail "slot 1 not back"
run_kd 0 provision-batch --policy "$KD_TMP/policy-factory.json" --json
kd_assert_eq already-confirmed "$(json_get "$out" '["Tokens"][0]["Outcome"]')" "batch again: the done token is skipped"
kd_assert_eq confirmed "$(json_get "$out" '["Tokens"][1]["Outcome"]')" "batch again: the interrupted token completes"
kd_assert_eq True "$(json_get "$out" '["Tokens"][1]["Resumed"]')" "batch again: by resuming"
kd_assert_eq confirmed "$(kd_record_field "$c1" Provisioning)" "batch: both confirmed"
# On a terminal, a progress bar (script(1) gives keydesk a pseudo-terminal).
o="$(script -qec "$keydesk provision-batch --policy $KD_TMP/policy-factory.json" /dev/null)"
kd_assert_contains "$o" "2/2" "batch on a terminal: the progress bar"
run_kd 0 audit verify
echo "ok"
