#!/usr/bin/env bash
# OpenSC 0.23 against keydesk-sim's SmartCard-HSM in the state of profile sc-hsm-seed004 (initialised with
# user PIN reset enabled, SO-PIN 7 of 15 tries left, user PIN 2 of 3): sc-hsm-tool prints that status
# block; a re-initialisation with the documented SO-PIN 3537363231383830 (not this device's) fails with
# "PIN code or key incorrect" and spends exactly one SO-PIN try and nothing else; pkcs11-tool --init-pin as
# SO with a wrong SO-PIN spends one more, with the right one resets the user PIN (counter back at 3), and
# the new PIN logs in. No SO-PIN reaches the sim's APDU log.
set -euo pipefail
export KEYDESK_TEST_PROFILE=sc-hsm-seed004
# shellcheck source=/dev/null
source "$(dirname "$0")/lib.sh"

module=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so

status() { sc-hsm-tool -r "$kd_reader" 2>&1; }

out="$(status)"
kd_assert_contains "$out" "Version              : 3.2" "sc-hsm-tool version"
kd_assert_contains "$out" "  User PIN reset with SO-PIN enabled" "sc-hsm-tool config options"
kd_assert_contains "$out" "SO-PIN tries left    : 7" "SO-PIN tries of the seed"
kd_assert_contains "$out" "User PIN tries left  : 2" "user PIN tries of the seed"
kd_assert_not_contains "$out" "DKEK" "no DKEK status on a device initialised without shares"
kd_assert_contains "$(opensc-tool -r "$kd_reader" -n 2>&1)" "SmartCard-HSM version 3.2" "opensc-tool card name"

# The seed: re-initialising with the documented SO-PIN fails and spends one SO-PIN try.
out="$(sc-hsm-tool -r "$kd_reader" --initialize --so-pin 3537363231383830 --pin 648219 2>&1 || true)"
kd_assert_contains "$out" "failed with PIN code or key incorrect" "re-initialisation with a wrong SO-PIN"
out="$(status)"
kd_assert_contains "$out" "SO-PIN tries left    : 6" "one SO-PIN try spent"
kd_assert_contains "$out" "User PIN tries left  : 2" "the user PIN counter untouched"

# sc-hsm-tool refuses a malformed SO-PIN itself; the card sees nothing.
out="$(sc-hsm-tool -r "$kd_reader" --initialize --so-pin 57621880 --pin 648219 2>&1 || true)"
kd_assert_contains "$out" "SO-PIN must be a hexadecimal string of 16 characters" "sc-hsm-tool's own format check"
kd_assert_contains "$(status)" "SO-PIN tries left    : 6" "a malformed SO-PIN spends nothing"

# PKCS#11: C_InitPIN as SO is RESET RETRY COUNTER with the SO-PIN (only because option 0001 is set).
out="$(pkcs11-tool --module "$module" --init-pin --login --login-type so --so-pin 3537363231383830 \
  --new-pin 654321 2>&1 || true)"
kd_assert_contains "$out" "CKR_PIN_INCORRECT" "C_InitPIN with a wrong SO-PIN"
kd_assert_contains "$(status)" "SO-PIN tries left    : 5" "C_InitPIN's wrong SO-PIN spent one try"
pkcs11-tool --module "$module" --init-pin --login --login-type so --so-pin 3335333733363332 \
  --new-pin 654321 >/dev/null 2>&1 || kd_fail "C_InitPIN with the right SO-PIN failed"
out="$(status)"
kd_assert_contains "$out" "SO-PIN tries left    : 15" "the right SO-PIN restores its counter"
kd_assert_contains "$out" "User PIN tries left  : 3" "the user PIN counter is reset"
pkcs11-tool --module "$module" --login --pin 654321 --list-objects >/dev/null 2>&1 ||
  kd_fail "the new user PIN does not log in"

for secret in 3537363231383830 3335333733363332 "$(printf '654321' | xxd -p)"; do
  kd_assert_not_contains "$(cat "$KD_SIM_LOG")" "${secret^^}" "SO-PIN or PIN bytes in the sim's APDU log"
done
echo "PASS test_hsm_seed004_opensc"
