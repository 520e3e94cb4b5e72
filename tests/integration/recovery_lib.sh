#!/usr/bin/env bash
# Helpers for the recovery tests (test_recovery_*.sh), sourced after lib.sh and provision_lib.sh: the user's
# `keydesk unblock` as a background process fed from a fifo, the unblock codes computed independently
# (kd_codes.py), and the survivors - certificates, OATH credentials and passkeys - as third-party tools list
# them.

kd_codes() { "$KD_PY" "$KD_LIB_DIR/kd_codes.py" "$@"; }

# The user's side: `keydesk unblock` in the background, stdin from a fifo held open on fd 7, stdout in
# $KD_TMP/user.out, stderr (the conversation and the -v trace) in $KD_TMP/user.err. Sets $user_pid.
user_unblock_start() {  # NEW_PIN [more keydesk arguments]
  local pin=$1
  shift
  rm -f "$KD_TMP/user.in" "$KD_TMP/user.out" "$KD_TMP/user.err"
  mkfifo "$KD_TMP/user.in"
  KD_NEW_PIN="$pin" "$keydesk" --reader "$kd_reader" unblock -n env:KD_NEW_PIN --json -v "$@" \
    <"$KD_TMP/user.in" >"$KD_TMP/user.out" 2>"$KD_TMP/user.err" &
  user_pid=$!
  exec 7>"$KD_TMP/user.in"
}

# Waits for the challenge the user's process shows; sets $challenge (digits) and $challenge_sum.
user_read_challenge() {
  local i line
  for i in $(seq 200); do
    line="$(grep -E '^    [0-9 ]+ +checksum [0-9]{4}$' "$KD_TMP/user.err" || true)"
    [ -n "$line" ] && break
    kill -0 "$user_pid" 2>/dev/null || kd_fail "keydesk unblock exited before showing a challenge: $(cat "$KD_TMP/user.err")"
    sleep 0.05
  done
  [ -n "$line" ] || kd_fail "keydesk unblock showed no challenge: $(cat "$KD_TMP/user.err")"
  challenge="$(echo "$line" | sed -E 's/ +checksum.*//; s/^ +//')"
  challenge_sum="$(echo "$line" | sed -E 's/.*checksum //')"
}

user_type() { printf '%s\n' "$@" >&7; }  # LINE...

# Closes the user's input and waits; sets $user_rc, $user_out (the JSON document), $user_err.
user_finish() {
  exec 7>&-
  user_rc=0
  wait "$user_pid" || user_rc=$?
  user_out="$(cat "$KD_TMP/user.out")"
  user_err="$(cat "$KD_TMP/user.err")"
}

# The help desk's side, another process: sets $response and $response_sum.
helpdesk_response() {  # CUID [more keydesk arguments]
  local cuid=$1
  shift
  run_kd 0 unblock-response --cuid "$cuid" --challenge "$challenge" --checksum "$challenge_sum" \
    --reason "IT-4711" --json "$@"
  response="$(json_get "$out" '["Response"]["Code"]')"
  response_sum="$(json_get "$out" '["Response"]["Checksum"]')"
}

# E_K(challenge) as openssl computes it (docs/aca-protocol.md 3.5: one block, ECB, no padding).
openssl_cryptogram() {  # CIPHER(aes-128-ecb|des-ede3) KEY_HEX BLOCK_HEX
  printf '%s' "$3" | xxd -r -p | openssl enc "-$1" -nopad -K "$2" | xxd -p -c 64 | tr a-f A-F
}

aca_prop() {  # NAME: a property of aca-props-get --json
  "$keydesk" --reader "$kd_reader" aca-props-get --json |
    "$KD_PY" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

# Blocks the card PIN: wrong VERIFYs through the ACA until the token says blocked.
block_pin_aca() {
  local steps=(00A404000BF06B65796465736B414341) i
  for i in $(seq 15); do steps+=(002000800639393939393939); done
  kd_apdu "${steps[@]}" >/dev/null
  kd_assert_eq 0 "$(aca_prop CurrentPinTryCounter)" "the PIN is blocked"
}

# --- survivors --------------------------------------------------------------------------------------------

# A key and a certificate in PIV slot 9a (ykman, with the recorded management key and the PIN), and a
# discoverable passkey (python3-fido2 over PC/SC, with the FIDO PIN).
make_survivors() {  # MANAGEMENT_KEY PIN FIDO_PIN
  local o
  o="$(ykman --reader "$kd_reader" piv keys generate -m "$1" -a ECCP256 9a "$KD_TMP/9a.pub" 2>&1)" ||
    kd_fail "ykman piv keys generate: $o"
  o="$(ykman --reader "$kd_reader" piv certificates generate -m "$1" -P "$2" -s "CN=Recovery Survivor" 9a "$KD_TMP/9a.pub" 2>&1)" ||
    kd_fail "ykman piv certificates generate: $o"
  "$KD_PY" - "$3" <<'PY' || kd_fail "python3-fido2 could not make a passkey"
import sys
from fido2.client import Fido2Client
from fido2.pcsc import CtapPcscDevice
from fido2.server import Fido2Server
dev = list(CtapPcscDevice.list_devices())[0]
server = Fido2Server({"id": "example.com", "name": "Example RP"})
options, state = server.register_begin({"id": b"user-1", "name": "alice", "displayName": "Alice"},
                                       resident_key=True, user_verification="discouraged")
made = Fido2Client(dev, "https://example.com").make_credential(options["publicKey"], pin=sys.argv[1])
server.register_complete(state, made.client_data, made.attestation_object)
PY
}

# What a user keeps, as third-party tools list it: the certificate in 9a (yubico-piv-tool), the PKCS#11
# certificate objects (OpenSC's pkcs11-tool), the OATH credentials (ykman), the passkeys (python3-fido2
# credential management, with the FIDO PIN).
survivors() {  # FIDO_PIN
  local piv p11 oath fido
  piv="$(yubico-piv-tool -r "$kd_reader" -a status 2>&1 | grep -E 'Slot 9a|Subject DN' | tr -s ' \t' ' ')"
  p11="$(pkcs11-tool --module /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so --list-objects --type cert 2>&1 | grep -E 'label|subject' | tr -s ' \t' ' ' || true)"
  oath="$(ykman --reader "$kd_reader" oath accounts list 2>&1)"
  fido="$("$KD_PY" - "$1" <<'PY'
import sys
from fido2.ctap2 import Ctap2, ClientPin, CredentialManagement
from fido2.pcsc import CtapPcscDevice
ctap = Ctap2(list(CtapPcscDevice.list_devices())[0])
pin = ClientPin(ctap)
token = pin.get_pin_token(sys.argv[1], ClientPin.PERMISSION.CREDENTIAL_MGMT)
credman = CredentialManagement(ctap, pin.protocol, token)
for rp in credman.enumerate_rps():
    for c in credman.enumerate_creds(rp[CredentialManagement.RESULT.RP_ID_HASH]):
        print(rp[CredentialManagement.RESULT.RP]["id"], c[CredentialManagement.RESULT.USER]["name"])
PY
)"
  printf 'PIV: %s\nPKCS11: %s\nOATH: %s\nFIDO: %s\n' "$piv" "$p11" "$oath" "$fido"
}
