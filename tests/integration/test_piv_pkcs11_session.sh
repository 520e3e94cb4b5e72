#!/usr/bin/env bash
# PIV session semantics through OpenSC's PKCS#11 module, judged by real clients (docs/keydesk-sim.md,
# "Application sessions"): keys in 9A (P-256, PIN once), 9C (RSA-2048, PIN always) and 9D (RSA-2048), then
#  * `pkcs11-tool --generate-random 32` returns 32 bytes, different each time;
#  * `pkcs11-tool --test --login` passes;
#  * one PKCS#11 session signs with 9C and then decrypts with 9D, both checked with openssl;
#  * OpenSSL's pkcs11 engine (libp11) signs with 9A and 9C right after the PIN, openssl verifies;
#  * ssh-agent + `ssh-add -s opensc-pkcs11.so` signs with the 9A key, `ssh-keygen -Y verify` accepts it.
# With the Discovery Object (as a YubiKey has it) OpenSC checks with GET DATA 7E that PIV is still the
# current application; without it (a state saved before keydesk-sim had one, or a PIV card without it)
# OpenSC re-selects PIV at every transaction, and the login must survive that (SP 800-73-4 Part 2
# section 3.1.1): the session flows run once more on such a token.
set -euo pipefail
export KEYDESK_TEST_PROFILE=yubikey5
# shellcheck source=/dev/null
source "$(dirname "$0")/lib.sh"

module=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
pin=123456
work="$KD_TMP/p11"
mkdir -p "$work"
piv() { yubico-piv-tool -r "$kd_reader" "$@"; }

# --- keys and certificates, as an administrator provisions them (see test_piv_opensc.sh for the CA)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=keydesk test CA" \
  -keyout "$work/ca.key" -out "$work/ca.pem" -days 2 2>/dev/null
for spec in "9a ECCP256" "9c RSA2048" "9d RSA2048"; do
  read -r slot alg <<<"$spec"
  piv -a generate -s "$slot" -A "$alg" -o "$work/$slot.pub.pem" >/dev/null 2>&1 ||
    kd_fail "yubico-piv-tool could not generate $alg in $slot"
  openssl req -new -key "$work/ca.key" -subj "/CN=keydesk pkcs11 $slot" 2>/dev/null |
    openssl x509 -req -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
      -force_pubkey "$work/$slot.pub.pem" -days 2 -out "$work/$slot.cert.pem" 2>/dev/null
  piv -a import-certificate -s "$slot" -i "$work/$slot.cert.pem" >/dev/null 2>&1 ||
    kd_fail "yubico-piv-tool could not import the $slot certificate"
done
# GET METADATA 9C: tag 02 = PIN policy 03 (always), touch policy 01 (never), a YubiKey's 9C defaults.
meta="$(kd_apdu 00A4040005A000000308 00F7009C00 | tail -n 1)"
kd_assert_contains "$meta" "020203010301" "9C generated with the default policies"

# --- random numbers: GENERAL AUTHENTICATE 9B with 7C 02 81 00, as OpenSC sends it
pkcs11-tool --module "$module" --generate-random 32 -o "$work/random1" >/dev/null 2>&1 ||
  kd_fail "pkcs11-tool --generate-random failed"
pkcs11-tool --module "$module" --generate-random 32 -o "$work/random2" >/dev/null 2>&1 ||
  kd_fail "pkcs11-tool --generate-random failed the second time"
kd_assert_eq 32 "$(stat -c %s "$work/random1")" "random bytes returned"
cmp -s "$work/random1" "$work/random2" && kd_fail "two draws of 32 random bytes are equal"

# --- pkcs11-tool's self test, logged in (it also signs with 9C after a context-specific login)
self_test() {  # WHAT
  local out
  out="$(pkcs11-tool --module "$module" --test --login --pin "$pin" 2>&1)" ||
    kd_fail "pkcs11-tool --test --login ($1) failed: $out"
  kd_assert_contains "$out" "No errors" "pkcs11-tool --test --login ($1)"
}

# --- one PKCS#11 session: sign with 9C, then decrypt with 9D
printf 'keydesk sign-then-decrypt\n' >"$work/message"
head -c 32 /dev/urandom >"$work/secret"
openssl pkeyutl -encrypt -pubin -inkey "$work/9d.pub.pem" -in "$work/secret" -out "$work/secret.enc"
sign_then_decrypt() {  # WHAT
  rm -f "$work/message.sig" "$work/secret.dec"
  "$KD_PY" - "$module" "$pin" "$work" <<'EOF' || kd_fail "sign-then-decrypt in one PKCS#11 session ($1) failed"
import sys
import PyKCS11
from PyKCS11.LowLevel import CKU_CONTEXT_SPECIFIC

module, pin, work = sys.argv[1:4]
lib = PyKCS11.PyKCS11Lib()
lib.load(module)
slot = lib.getSlotList(tokenPresent=True)[0]
session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
session.login(pin)

def private_key(key_id):
    found = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_ID, (key_id,))])
    assert found, f"no private key with id {key_id}"
    return found[0]

sign_key = private_key(2)  # 9C
assert session.getAttributeValue(sign_key, [PyKCS11.CKA_ALWAYS_AUTHENTICATE])[0], "9C is always-authenticate"
message = open(f"{work}/message", "rb").read()
mechanism = PyKCS11.Mechanism(PyKCS11.CKM_SHA256_RSA_PKCS, None)


def check(rv):
    if rv != PyKCS11.CKR_OK:
        raise PyKCS11.PyKCS11Error(rv)


# 9C's PIN policy "always": the signature needs its own (context-specific) PIN verification.
check(session.lib.C_SignInit(session.session, mechanism.to_native(), sign_key))
session.login(pin, CKU_CONTEXT_SPECIFIC)
signature = PyKCS11.ckbytelist()
check(session.lib.C_Sign(session.session, PyKCS11.ckbytelist(message), signature))  # the size
check(session.lib.C_Sign(session.session, PyKCS11.ckbytelist(message), signature))
open(f"{work}/message.sig", "wb").write(bytes(signature))

decrypt_key = private_key(3)  # 9D, PIN policy "once": the session's login is enough
secret = session.decrypt(decrypt_key, open(f"{work}/secret.enc", "rb").read(),
                         PyKCS11.Mechanism(PyKCS11.CKM_RSA_PKCS, None))
open(f"{work}/secret.dec", "wb").write(bytes(secret))
session.logout()
session.closeSession()
EOF
  openssl dgst -sha256 -verify "$work/9c.pub.pem" -signature "$work/message.sig" "$work/message" |
    grep -q "Verified OK" || kd_fail "openssl does not verify the 9C signature of the session ($1)"
  cmp -s "$work/secret" "$work/secret.dec" || kd_fail "9D did not decrypt what was encrypted for it ($1)"
}

self_test "Discovery Object"
sign_then_decrypt "Discovery Object"

# --- OpenSSL's pkcs11 engine (libp11) on OpenSC's module: the PIN comes in the URI
cat >"$work/openssl.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = /usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so
MODULE_PATH = $module
init = 0
EOF
# 9C (PIN always): libp11 asks for the context-specific PIN through OpenSSL's UI, which reads stdin when
# there is no controlling terminal (setsid).
for spec in "9a 01" "9c 02"; do
  read -r slot id <<<"$spec"
  rm -f "$work/engine.sig"
  out="$(OPENSSL_CONF="$work/openssl.cnf" setsid -w openssl dgst -sha256 -engine pkcs11 -keyform engine \
    -sign "pkcs11:id=%$id;type=private;pin-value=$pin" -out "$work/engine.sig" "$work/message" \
    2>&1 <<<"$pin")" || kd_fail "openssl pkcs11 engine could not sign with $slot: $out"
  openssl dgst -sha256 -verify "$work/$slot.pub.pem" -signature "$work/engine.sig" "$work/message" |
    grep -q "Verified OK" || kd_fail "openssl does not verify the engine's $slot signature"
done

# --- SSH: a private ssh-agent holds the PKCS#11 keys; the PIN comes from SSH_ASKPASS
export SSH_AUTH_SOCK="$work/agent.sock"
ssh-agent -D -a "$SSH_AUTH_SOCK" >/dev/null 2>&1 &
agent_pid=$!
kd_on_exit "kill $agent_pid 2>/dev/null || true"
for _ in $(seq 100); do [ -S "$SSH_AUTH_SOCK" ] && break; sleep 0.05; done
[ -S "$SSH_AUTH_SOCK" ] || kd_fail "ssh-agent did not open its socket"
printf '#!/bin/sh\necho %s\n' "$pin" >"$work/askpass"
chmod 700 "$work/askpass"
SSH_ASKPASS="$work/askpass" SSH_ASKPASS_REQUIRE=force ssh-add -s "$module" </dev/null >/dev/null 2>&1 ||
  kd_fail "ssh-add -s $module failed"
listed="$(ssh-add -L)"
for slot in 9a 9c 9d; do
  key="$(ssh-keygen -i -m PKCS8 -f "$work/$slot.pub.pem")"
  kd_assert_contains "$listed" "${key#* }" "ssh-agent lists the $slot key"
done
ssh_key="$(ssh-keygen -i -m PKCS8 -f "$work/9a.pub.pem")"
echo "$ssh_key" >"$work/id_piv.pub"
ssh-keygen -D "$module" 2>/dev/null | grep -F "${ssh_key#* }" | cut -d' ' -f1-2 |
  sed 's/^/helpdesk@example.test /' >"$work/allowed_signers"
[ -s "$work/allowed_signers" ] || kd_fail "ssh-keygen -D does not list the 9A key"
printf 'keydesk ssh signature\n' >"$work/ssh.txt"
ssh-keygen -Y sign -n file -f "$work/id_piv.pub" "$work/ssh.txt" >/dev/null 2>&1 ||
  kd_fail "ssh-keygen -Y sign through ssh-agent failed"
out="$(ssh-keygen -Y verify -f "$work/allowed_signers" -I helpdesk@example.test -n file \
  -s "$work/ssh.txt.sig" <"$work/ssh.txt" 2>&1)" || kd_fail "ssh-keygen -Y verify: $out"
kd_assert_contains "$out" "Good \"file\" signature for helpdesk@example.test" "ssh-keygen -Y verify"
# 9C keeps its PIN policy "always": the agent's PKCS#11 helper cannot ask for the PIN again, so it cannot
# sign with that key (the same as with a YubiKey).
ssh-keygen -i -m PKCS8 -f "$work/9c.pub.pem" >"$work/id_sign.pub"
cp "$work/ssh.txt" "$work/ssh-9c.txt"
out="$(ssh-keygen -Y sign -n file -f "$work/id_sign.pub" "$work/ssh-9c.txt" 2>&1)" &&
  kd_fail "ssh-agent signed with the 9C key without a fresh PIN"
kd_assert_contains "$out" "agent refused operation" "ssh-agent and the 9C key"

# --- the same token without its Discovery Object: OpenSC re-selects PIV at every transaction
kill "$agent_pid" 2>/dev/null || true
kd_sim_stop
"$KD_PY" - "$KD_STATE" <<'EOF'
import json, sys
state = json.load(open(sys.argv[1]))
del state["applets"]["piv"]["objects"]["7e"]
json.dump(state, open(sys.argv[1], "w"))
EOF
kd_wait_card absent 5
rm -f "$KD_CONTROL"
log_start="$(wc -l <"$KD_SIM_LOG")"
kd_sim_start
kd_wait_card present
kd_assert_eq "6A82" "$(kd_apdu 00A4040005A000000308 00CB3FFF035C017E | tail -n 1)" "no Discovery Object"
self_test "re-SELECT"
sign_then_decrypt "re-SELECT"
selects="$(tail -n "+$((log_start + 1))" "$KD_SIM_LOG" | grep -c "> 00 A4 04 00 A00000030800001000" || true)"
[ "$selects" -gt 10 ] || kd_fail "OpenSC was expected to re-select PIV at each transaction (saw $selects SELECTs)"
echo "PASS test_piv_pkcs11_session"
