#!/usr/bin/env bash
# yubico-piv-tool 2.2.0 against keydesk-sim's PIV applet (yubikey5 profile): status, PIN counters that count
# down and are restored by the right PIN, PIN/PUK changes, unblock, a new management key, ECC P-256 and
# RSA-2048 keys with certificates imported for them, and signatures the tool itself verifies.
set -euo pipefail
export KEYDESK_TEST_PROFILE=yubikey5
# shellcheck source=/dev/null
source "$(dirname "$0")/lib.sh"

piv() { yubico-piv-tool -r "$kd_reader" "$@" 2>&1; }
work="$KD_TMP/piv"
mkdir -p "$work"

status="$(piv -a status)"
kd_assert_contains "$status" "Version:	5.4.3" "status: version"
kd_assert_contains "$status" "CHUID:	No data available" "status: factory CHUID"
kd_assert_contains "$status" "PIN tries left:	3" "status: PIN tries"

# --- PIN counter: wrong decrements, right restores
out="$(piv -a verify-pin -P 000000 || true)"
kd_assert_contains "$out" "2 tries left" "wrong PIN"
out="$(piv -a verify-pin -P 000000 || true)"
kd_assert_contains "$out" "1 tries left" "second wrong PIN"
kd_assert_contains "$(piv -a verify-pin -P 123456)" "Successfully verified PIN" "right PIN"
kd_assert_contains "$(piv -a status)" "PIN tries left:	3" "right PIN restores the counter"

# --- PIN / PUK changes and unblock
kd_assert_contains "$(piv -a change-pin -P 123456 -N 654321)" "Successfully changed the pin code" "change-pin"
kd_assert_contains "$(piv -a change-puk -P 12345678 -N 87654321)" "Successfully changed the puk code" "change-puk"
for _ in 1 2 3; do piv -a verify-pin -P 000000 >/dev/null || true; done
out="$(piv -a verify-pin -P 654321 || true)"
kd_assert_contains "$out" "blocked" "PIN blocked after three wrong tries"
kd_assert_contains "$(piv -a unblock-pin -P 87654321 -N 112233)" "Successfully unblocked the pin code" "unblock-pin"
kd_assert_contains "$(piv -a verify-pin -P 112233)" "Successfully verified PIN" "PIN set by unblock"

# --- a new management key, then keys, certificates and signatures with it
key=0a0b0c0d0e0f10111213141516171819202122232425262f
piv -a set-mgm-key -n "$key" >/dev/null
out="$(piv -a generate -s 9a -A ECCP256 -o "$work/x.pem" || true)"
kd_assert_contains "$out" "Failed authentication" "the old management key no longer works"

# yubico-piv-tool 2.2.0 cannot selfsign with OpenSSL 3 (Yubico/yubico-piv-tool#388, fails before any APDU),
# so a throw-away CA certifies the card's public key instead.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=keydesk test CA" \
  -keyout "$work/ca.key" -out "$work/ca.pem" -days 2 2>/dev/null
for spec in "9a ECCP256" "9c RSA2048"; do
  read -r slot alg <<<"$spec"
  piv --key="$key" -a generate -s "$slot" -A "$alg" -o "$work/$slot.pub.pem" >/dev/null
  openssl pkey -pubin -in "$work/$slot.pub.pem" -noout || kd_fail "$slot: the public key is not PEM"
  openssl req -new -key "$work/ca.key" -subj "/CN=keydesk $slot" 2>/dev/null |
    openssl x509 -req -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -force_pubkey "$work/$slot.pub.pem" \
      -days 2 -out "$work/$slot.cert.pem" 2>/dev/null
  subject="$(openssl x509 -in "$work/$slot.cert.pem" -noout -subject)"
  kd_assert_contains "$subject" "CN = keydesk $slot" "$slot: certificate"
  piv --key="$key" -a import-certificate -s "$slot" -i "$work/$slot.cert.pem" >/dev/null
  out="$(piv -a verify-pin -P 112233 -a test-signature -s "$slot" -i "$work/$slot.cert.pem")"
  kd_assert_contains "$out" "Successful" "$slot ($alg): test-signature"
done
kd_assert_contains "$(piv -a status)" "Subject DN:	CN=keydesk 9a" "status lists the 9a certificate"
echo "PASS test_piv_yubico_piv_tool"
