#!/usr/bin/env bash
# ykman 4.0.9 against keydesk-sim's PIV applet: `piv info` with the PIN tries (remaining/total) and the
# default-PIN warning from GET METADATA, `piv access change-pin` that ends the warning, and `piv reset`.
set -euo pipefail
export KEYDESK_TEST_PROFILE=yubikey5
# shellcheck source=/dev/null
source "$(dirname "$0")/lib.sh"

ykpiv() { ykman --reader "$kd_reader" piv "$@" 2>&1; }

info="$(ykpiv info)"
kd_assert_contains "$info" "PIV version: 5.4.3" "piv info: version"
kd_assert_contains "$info" "WARNING: Using default PIN!" "piv info: default PIN warning"
kd_assert_contains "$info" "PIN tries remaining: 3/3" "piv info: PIN tries with total"
kd_assert_contains "$info" "Management key algorithm: TDES" "piv info: management key"

ykpiv access change-pin -P 123456 -n 24681357 >/dev/null
info="$(ykpiv info)"
kd_assert_not_contains "$info" "Using default PIN" "piv info after change-pin"
kd_assert_contains "$info" "PIN tries remaining: 3/3" "piv info after change-pin: tries"

out="$(ykpiv access change-pin -P 000000 -n 13572468 || true)"
kd_assert_contains "$out" "2 tries left" "change-pin with a wrong PIN"
kd_assert_contains "$(ykpiv info)" "PIN tries remaining: 2/3" "piv info shows the spent try"

# `piv reset` blocks PIN and PUK with all-FF values, then sends RESET: the factory state comes back.
out="$(ykpiv reset -f)"
kd_assert_contains "$out" "Success! All PIV data have been cleared" "piv reset"
info="$(ykpiv info)"
kd_assert_contains "$info" "WARNING: Using default PIN!" "piv info after reset: default PIN"
kd_assert_contains "$info" "PIN tries remaining: 3/3" "piv info after reset: tries"
echo "PASS test_piv_ykman"
