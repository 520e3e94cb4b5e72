#!/usr/bin/env bash
# OpenSC 0.23 against keydesk-sim's SmartCard-HSM as it ships (profile sc-hsm): sc-hsm-tool reports it was
# never initialised, initialises it (SO-PIN 15 tries, user PIN 3), re-initialises it with the right
# SO-PIN (keys gone, counters full) and a wrong SO-PIN spends exactly one try. OpenSC's PKCS#11 module
# logs in, generates an EC P-256 key (the card answers a CV request), signs with ECDSA-SHA256 and ECDSA
# over a hash, and openssl verifies both signatures with the public key read back through PKCS#11 (and
# rejects a changed message). The device serial OpenSC shows comes from the device certificate.
set -euo pipefail
export KEYDESK_TEST_PROFILE=sc-hsm
# shellcheck source=/dev/null
source "$(dirname "$0")/lib.sh"

module=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
work="$KD_TMP/hsm"
mkdir -p "$work"
status() { sc-hsm-tool -r "$kd_reader" 2>&1; }
p11() { pkcs11-tool --module "$module" "$@"; }

kd_assert_contains "$(status)" "SmartCard-HSM has never been initialized" "fresh device status"

sc-hsm-tool -r "$kd_reader" --initialize --so-pin 3537363231383830 --pin 648219 --label keydesk >"$work/init" 2>&1
kd_assert_not_contains "$(cat "$work/init")" "failed" "first initialisation"
out="$(status)"
kd_assert_contains "$out" "SO-PIN tries left    : 15" "SO-PIN after initialisation"
kd_assert_contains "$out" "User PIN tries left  : 3" "user PIN after initialisation"

slots="$(p11 --list-slots 2>&1)"
kd_assert_contains "$slots" "token label        : keydesk" "the label sc-hsm-tool wrote into EF 2F03"
kd_assert_contains "$slots" "www.CardContact.de" "PKCS#15 emulation of the SmartCard-HSM"
serial="$(sed -n 's/.*serial num *: *\([A-Z0-9]*\).*/\1/p' <<<"$slots" | head -1)"
[[ "$serial" =~ ^DESIM[0-9]{6}$ ]] || kd_fail "device serial from the device certificate: '$serial'"

p11 --login --pin 648219 --keypairgen --key-type EC:prime256v1 --id 01 --label k1 >"$work/gen" 2>&1 ||
  { cat "$work/gen"; kd_fail "key generation"; }
p11 --read-object --type pubkey --id 01 -o "$work/pub.der" >/dev/null 2>&1 || kd_fail "reading the public key"
printf 'keydesk sc-hsm signature test\n' >"$work/data"
p11 --login --pin 648219 --sign -m ECDSA-SHA256 --id 01 -i "$work/data" -o "$work/sig" \
  --signature-format openssl >/dev/null 2>&1 || kd_fail "ECDSA-SHA256 signature"
openssl dgst -sha256 -verify "$work/pub.der" -keyform DER -signature "$work/sig" "$work/data" | grep -q "Verified OK" ||
  kd_fail "openssl does not verify the ECDSA-SHA256 signature"
printf 'keydesk sc-hsm signature test, changed\n' >"$work/other"
if openssl dgst -sha256 -verify "$work/pub.der" -keyform DER -signature "$work/sig" "$work/other" >/dev/null 2>&1; then
  kd_fail "openssl verified a signature over another message"
fi
openssl dgst -sha256 -binary "$work/data" >"$work/hash"
p11 --login --pin 648219 --sign -m ECDSA --id 01 -i "$work/hash" -o "$work/sig2" --signature-format openssl \
  >/dev/null 2>&1 || kd_fail "ECDSA signature over a hash"
openssl dgst -sha256 -verify "$work/pub.der" -keyform DER -signature "$work/sig2" "$work/data" | grep -q "Verified OK" ||
  kd_fail "openssl does not verify the ECDSA (raw hash) signature"
out="$(p11 --login --pin 000000 --sign -m ECDSA-SHA256 --id 01 -i "$work/data" -o "$work/sig3" 2>&1 || true)"
kd_assert_contains "$out" "CKR_PIN_INCORRECT" "a wrong user PIN"
kd_assert_contains "$(status)" "User PIN tries left  : 2" "the wrong user PIN spent one try"

# Re-initialisation: a wrong SO-PIN spends exactly one try and changes nothing else.
out="$(sc-hsm-tool -r "$kd_reader" --initialize --so-pin 0011223344556677 --pin 123456 2>&1 || true)"
kd_assert_contains "$out" "PIN code or key incorrect" "re-initialisation with a wrong SO-PIN"
out="$(status)"
kd_assert_contains "$out" "SO-PIN tries left    : 14" "one SO-PIN try spent"
kd_assert_contains "$(p11 --list-objects 2>&1)" "ID:         01" "the key survives a refused re-initialisation"
# The right SO-PIN: the device is wiped and the counters are full again.
out="$(sc-hsm-tool -r "$kd_reader" --initialize --so-pin 3537363231383830 --pin 123456 2>&1)"
kd_assert_not_contains "$out" "failed" "re-initialisation with the right SO-PIN"
out="$(status)"
kd_assert_contains "$out" "SO-PIN tries left    : 15" "SO-PIN counter after re-initialisation"
kd_assert_contains "$out" "User PIN tries left  : 3" "user PIN counter after re-initialisation"
kd_assert_not_contains "$(p11 --login --pin 123456 --list-objects 2>&1)" "ID:         01" "re-initialisation removed the key"
echo "PASS test_hsm_opensc"
