#!/usr/bin/env bash
# OpenSC 0.23 against keydesk-sim's PIV applet: opensc-tool names the card PIV, pkcs15-tool lists the
# certificate put in 9A, pkcs11-tool logs in with the PIN and signs, and openssl verifies
# the signature with the certificate's public key.
set -euo pipefail
export KEYDESK_TEST_PROFILE=yubikey5
# shellcheck source=/dev/null
source "$(dirname "$0")/lib.sh"

module=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
work="$KD_TMP/opensc"
mkdir -p "$work"

# Provision 9A (RSA-2048 + a certificate for it) the way an administrator would; a throw-away CA certifies
# the key because yubico-piv-tool 2.2.0 cannot selfsign with OpenSSL 3 (Yubico/yubico-piv-tool#388).
yubico-piv-tool -r "$kd_reader" -a generate -s 9a -A RSA2048 -o "$work/pub.pem" >/dev/null 2>&1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=keydesk test CA" \
  -keyout "$work/ca.key" -out "$work/ca.pem" -days 2 2>/dev/null
openssl req -new -key "$work/ca.key" -subj "/CN=opensc test" 2>/dev/null |
  openssl x509 -req -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -force_pubkey "$work/pub.pem" \
    -days 2 -out "$work/cert.pem" 2>/dev/null
yubico-piv-tool -r "$kd_reader" -a import-certificate -s 9a -i "$work/cert.pem" >/dev/null 2>&1

name="$(opensc-tool -r "$kd_reader" -n 2>&1)"
kd_assert_contains "$name" "Personal Identity Verification Card" "opensc-tool card name"
certs="$(pkcs15-tool -r 0 --list-certificates 2>&1)"
kd_assert_contains "$certs" "Certificate for PIV Authentication" "pkcs15-tool lists the 9A certificate"

printf 'keydesk opensc signature test\n' >"$work/data"
pkcs11-tool --module "$module" --login --pin 123456 --sign --id 01 -m SHA256-RSA-PKCS \
  -i "$work/data" -o "$work/sig" >/dev/null 2>&1 || kd_fail "pkcs11-tool could not sign"
openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/sig" "$work/data" | grep -q "Verified OK" ||
  kd_fail "openssl does not verify the PKCS#11 signature"

out="$(pkcs11-tool --module "$module" --login --pin 999999 --sign --id 01 -m SHA256-RSA-PKCS \
  -i "$work/data" -o "$work/sig2" 2>&1 || true)"
kd_assert_contains "$out" "CKR_PIN_INCORRECT" "pkcs11-tool with a wrong PIN"
echo "PASS test_piv_opensc"
