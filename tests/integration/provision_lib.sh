#!/usr/bin/env bash
# Helpers for the provisioning tests (test_provision_*.sh), sourced after lib.sh: the keydesk binary, a store
# with the vault's masters, the test policies, a fresh token, the secrets on record, and the third-party
# judges (yubico-piv-tool, ykman, oathtool, openssl, python3-pskc) that check a provisioned token against
# them.

keydesk="$(kd_binary keydesk src/cli/keydesk)"
export LOGNAME=it-operator
export KD_EXPORT_PASSPHRASE="validation passphrase 2026"
KD_PSK_HEX=00112233445566778899aabbccddeeff
KD_DEFAULT_MGMT=010203040506070801020304050607080102030405060708

# run_kd EXPECTED_EXIT ARGS...: runs keydesk, checks the exit code; stdout in $out, stderr in $err.
run_kd() {
  local want=$1
  shift
  local rc=0
  "$keydesk" "$@" >"$KD_TMP/out" 2>"$KD_TMP/err" || rc=$?
  out="$(cat "$KD_TMP/out")"
  err="$(cat "$KD_TMP/err")"
  [ "$rc" = "$want" ] || kd_fail "keydesk $* exited $rc, expected $want. stdout: $out stderr: $err"
}

json_get() {  # JSON PYTHON-SUBSCRIPT
  KEYDESK_JSON="$1" "$KD_PY" -c 'import json, os, sys; print(eval("d" + sys.argv[1], {"d": json.loads(os.environ["KEYDESK_JSON"])}))' "$2"
}

# A new store at URL with the two masters the policies name.
kd_new_store() {  # URL
  export KEYDESK_STORE="$1"
  local key="$KD_TMP/master-$RANDOM.key"
  run_kd 0 store init --master-key "file:$key"
  run_kd 0 vault generate puk-master --reason "rollout setup"
  run_kd 0 vault generate xauth-master --reason "rollout setup"
}

# The policies of these tests (written to $KD_TMP): factory = everything on a token with the ACA, export
# encrypted with a passphrase; yubikey = a PIV-only token, batch PUK, default PIN (no force-change there),
# AES-192 management key, more tries, export with a pre-shared key. Few PBKDF2 iterations: the tests export
# often.
kd_write_policies() {
  mkdir -p "$KD_TMP/validation"
  printf '%s\n' "$KD_PSK_HEX" >"$KD_TMP/psk.hex"
  cat >"$KD_TMP/policy-factory.json" <<EOF
{"format": "keydesk-provisioning-policy/1", "name": "it-factory",
 "puk": {"strategy": "derived", "derivation_master": {"vault": "puk-master"}, "max_tries": 4},
 "pin": {"method": "random-delivered", "length": 8, "max_tries": 5},
 "admin_key": {"algorithm": "aes128", "master": {"vault": "xauth-master"}},
 "piv_management_key": {"algorithm": "tdes"},
 "oath": {"generate": [{"name": "corp:{user}", "type": "totp"}, {"name": "vpn", "type": "hotp", "counter": 3}],
          "export": {"directory": "$KD_TMP/validation", "passphrase": {"env": "KD_EXPORT_PASSPHRASE"},
                     "key_name": "validation-2026", "pbkdf2_iterations": 10000}},
 "fido": {"scope": "pin-rule", "rule": "pin-8", "min_pin_length": 8, "set_pin": true}}
EOF
  cat >"$KD_TMP/policy-yubikey.json" <<EOF
{"format": "keydesk-provisioning-policy/1", "name": "it-yubikey",
 "puk": {"strategy": "batch-shared", "batch": "b2026", "max_tries": 4},
 "pin": {"method": "default-force-change", "max_tries": 5},
 "piv_management_key": {"algorithm": "aes192"},
 "oath": {"generate": [{"name": "corp:{user}", "type": "totp", "digits": 8}],
          "export": {"directory": "$KD_TMP/validation", "preshared_key": {"file": "$KD_TMP/psk.hex"},
                     "key_name": "validation-psk"}},
 "fido": {"scope": "out-of-scope"}}
EOF
}

# A token of PROFILE just out of the factory, in the harness's reader (a new CUID each time).
kd_fresh_token() {  # PROFILE
  if [ -n "$KD_SIM_PID" ]; then
    kd_sim_stop
    kd_wait_card absent 5
  fi
  KD_PROFILE="$1"
  rm -f "$KD_STATE" "$KD_CONTROL" "$KD_CTAPHID"
  kd_sim_start
  kd_wait_card present
}

kd_cuid() {
  "$keydesk" --reader "$kd_reader" token-cuid --json | "$KD_PY" -c 'import json, sys; print(json.load(sys.stdin)["CUID"])'
}

# The one secret, released the audited way.
kd_secret() {  # CUID FIELD
  "$keydesk" record secret "$1" "$2" --reason "IT-4711" --json |
    "$KD_PY" -c 'import json, sys; print(json.load(sys.stdin)["Value"])'
}

kd_record_field() {  # CUID FIELD (a key of record show --json's record)
  "$keydesk" record show "$1" --json | "$KD_PY" -c 'import json, sys; print(json.load(sys.stdin)["Records"][0][sys.argv[1]])' "$2"
}

# --- judges -----------------------------------------------------------------------------------------

# yubico-piv-tool verifies the PIN (a right PIN spends nothing).
judge_pin() {  # PIN WHAT
  local o
  o="$(yubico-piv-tool -r "$kd_reader" -a verify-pin -P "$1" 2>&1)" || kd_fail "$2: yubico-piv-tool refused the recorded PIN: $o"
  kd_assert_contains "$o" "Successfully verified PIN" "$2: PIN"
}

# yubico-piv-tool 2.2 authenticates with a 3DES management key (set-ccc needs it).
judge_management_key_tdes() {  # KEY WHAT
  local o
  o="$(yubico-piv-tool -r "$kd_reader" --key="$1" -a set-ccc 2>&1)" || kd_fail "$2: yubico-piv-tool could not authenticate with the recorded management key: $o"
}

# ykman authenticates with any algorithm (generating a CHUID needs the management key).
judge_management_key_ykman() {  # KEY WHAT
  local o
  o="$(ykman --reader "$kd_reader" piv objects generate CHUID -m "$1" 2>&1)" ||
    kd_fail "$2: ykman could not authenticate with the recorded management key: $o"
}

# The XAUTH key against the token, in one card session (the challenge dies with it): SELECT ACA, GET
# CHALLENGE, the cryptogram E_K(challenge) computed by pyca/cryptography, EXTERNAL AUTHENTICATE: 9000.
judge_xauth() {  # KEY_HEX WHAT
  local o
  o="$("$KD_PY" - "$kd_reader" "$1" <<'PY' 2>&1
import sys
from smartcard.System import readers
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
reader = [r for r in readers() if str(r) == sys.argv[1]][0]
c = reader.createConnection()
c.connect()
aid = list(bytes.fromhex("F06B65796465736B414341"))
_, sw1, sw2 = c.transmit([0x00, 0xA4, 0x04, 0x00, len(aid)] + aid)
key = bytes.fromhex(sys.argv[2])
n = 16  # AES: one 16-byte block (docs/aca-protocol.md 3.5)
challenge, sw1, sw2 = c.transmit([0x00, 0x84, 0x00, 0x00, n])
assert (sw1, sw2) == (0x90, 0x00), "GET CHALLENGE %02X%02X" % (sw1, sw2)
e = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
cryptogram = e.update(bytes(challenge)) + e.finalize()
_, sw1, sw2 = c.transmit([0x00, 0x82, 0x00, 0x00, n] + list(cryptogram))
print("%02X%02X" % (sw1, sw2))
PY
)"
  kd_assert_eq 9000 "$o" "$2: EXTERNAL AUTHENTICATE with the recorded XAUTH key"
}

# The OATH credential NAME on the token (ykman computes it there) against oathtool from the recorded seed.
judge_totp() {  # CUID NAME DIGITS WHAT
  local seed token_code expected
  seed="$(kd_secret "$1" "oath-seed/$2")"
  # Stay inside one 30-second window.
  while [ $(($(date +%s) % 30)) -gt 26 ]; do sleep 0.5; done
  token_code="$(ykman --reader "$kd_reader" oath accounts code -s "$2")"
  expected="$(oathtool --totp -d "$3" "$seed")"
  kd_assert_eq "$expected" "$token_code" "$4: TOTP of $2 (oathtool from the recorded seed vs the token)"
}
judge_hotp() {  # CUID NAME COUNTER WHAT: the token's next code equals oathtool's at COUNTER
  local seed token_code expected
  seed="$(kd_secret "$1" "oath-seed/$2")"
  token_code="$(ykman --reader "$kd_reader" oath accounts code -s "$2")"
  expected="$(oathtool -c "$3" "$seed")"
  kd_assert_eq "$expected" "$token_code" "$4: HOTP of $2 at counter $3"
}

# python3-pskc reads keydesk's export (MACs checked: a bad one raises), with the passphrase or the key; prints
# "ID SECRET_HEX COUNTER SERIAL" per key.
pskc_read() {  # FILE passphrase|psk
  KD_PSK_FILE="$KD_TMP/psk.hex" "$KD_PY" - "$1" "$2" <<'PY'
import os, sys, pskc
p = pskc.PSKC(sys.argv[1])
if sys.argv[2] == "passphrase":
    p.encryption.derive_key(os.environ["KD_EXPORT_PASSPHRASE"])
else:
    p.encryption.key = bytes.fromhex(open(os.environ["KD_PSK_FILE"]).read().strip())
assert p.mac.algorithm, "no MAC method"
for k in p.keys:
    print(k.id, k.secret.hex().upper(), k.counter, k.serial)
PY
}
