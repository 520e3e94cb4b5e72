#!/usr/bin/env bash
# keydesk on a PIV-only token (the yubikey5 profile: no access-control applet) through real pcscd + vpcd +
# keydesk-sim, judged also by yubico-piv-tool: token-info, token-cuid, aca-props-get assembled from PIV
# metadata, a wrong then a right PIN (63C2 then 9000, the counter back at 3; the right one needs --force at
# 2 left), pin-change then yubico-piv-tool verify-pin with the new PIN, and diagnose reporting pin-default
# before the change and not after.
#
# Harness: tests/integration/lib.sh (isolated pcscd + vpcd + keydesk-sim).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ -f "$here/lib.sh" ] || { echo "test_cli_yubikey5: tests/integration/lib.sh is missing" >&2; exit 1; }
export KEYDESK_TEST_PROFILE=yubikey5
# shellcheck source=/dev/null
source "$here/lib.sh"

keydesk="$(kd_binary keydesk src/cli/keydesk)"
reader="$kd_reader"
json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {'d': d}))" "$1"; }
kd() { "$keydesk" --reader "$reader" "$@"; }
piv_tries() {  # "PIN tries left" as yubico-piv-tool reports it
  yubico-piv-tool -r "$reader" -a status 2>&1 | sed -n 's/^PIN tries left:[[:space:]]*//p'
}
findings() { kd diagnose --json | json '" ".join(f["id"] for f in d["Findings"])'; }

# token-info and token-cuid
info="$("$keydesk" token-info --json)"
kd_assert_eq 1 "$(json 'len(d["Tokens"])' <<<"$info")" "token-info: tokens"
kd_assert_eq "$reader" "$(json 'd["Tokens"][0]["Reader"]' <<<"$info")" "token-info: reader"
cuid="$(kd token-cuid --json | json 'd["CUID"]')"
[[ "$cuid" =~ ^[0-9A-F]{20}$ ]] || kd_fail "token-cuid: '$cuid'"

# aca-props-get from PIV metadata: PIN 3/3, PUK 3/3 (GET METADATA 81), default PIN, no XAUTH.
props="$(kd aca-props-get --json)"
kd_assert_eq "('PIV metadata', 3, 3, 3, 3, True, True, False)" \
  "$(json '(d["Source"], d["CurrentPinTryCounter"], d["MaxPinTryCounter"], d["CurrentPinUnlockCounter"], d["MaxPinUnlockCounter"], d["PUKInitialized"], d["PinIsDefault"], d["XAUTHKeysInitializedStatus"])' <<<"$props")" \
  "aca-props-get"
kd_assert_eq 3 "$(piv_tries)" "yubico-piv-tool PIN tries left at the start"

# diagnose sees the factory PIN (from the metadata's default flag, never by trying it).
kd_assert_contains "$(findings)" "pin-default" "diagnose before pin-change"
kd_assert_eq 3 "$(piv_tries)" "diagnose spent a PIN try"

# A wrong PIN: 63C2, 3 before, 2 after; yubico-piv-tool agrees.
set +e
out="$(kd pin-verify -p 999999)"; code=$?
set -e
kd_assert_eq 5 "$code" "pin-verify wrong: exit code ($out)"
kd_assert_contains "$out" "63C2" "pin-verify wrong"
kd_assert_contains "$out" "3 before, 2 after" "pin-verify wrong counters"
kd_assert_eq 2 "$(piv_tries)" "yubico-piv-tool after the wrong PIN"

# At 2 left the interlock refuses without spending; --force makes exactly one attempt.
set +e
out="$(kd pin-verify -p 123456 2>&1)"; code=$?
set -e
kd_assert_eq 3 "$code" "pin-verify at 2 left without --force: exit code ($out)"
kd_assert_eq 2 "$(piv_tries)" "the refused attempt reached the token"
res="$(kd pin-verify -p 123456 --force --json)"
kd_assert_eq "('9000', 2, 3)" "$(json '(d["StatusWord"], d["RetriesBefore"], d["RetriesAfter"])' <<<"$res")" \
  "pin-verify right"
# keydesk logged out after the right PIN (VERIFY P1=FF): a re-SELECT of PIV keeps a login (SP 800-73-4
# Part 2 section 3.1.1, as on a YubiKey), so without the logout yubico-piv-tool's empty VERIFY would answer
# 9000 ("-1" tries) here.
kd_assert_eq True "$(json 'd["LoggedOut"]' <<<"$res")" "pin-verify logged out"
kd_assert_eq 3 "$(piv_tries)" "yubico-piv-tool after the right PIN"

# pin-change, then yubico-piv-tool verifies the new PIN and the old one no longer works.
kd pin-change -p 123456 -n 24681357 >/dev/null || kd_fail "pin-change failed"
out="$(yubico-piv-tool -r "$reader" -a verify-pin -P 24681357 2>&1)" ||
  kd_fail "yubico-piv-tool verify-pin with the new PIN: $out"
kd_assert_contains "$out" "Successfully verified PIN" "yubico-piv-tool verify-pin"
kd_assert_eq 3 "$(piv_tries)" "tries after the verify"

# diagnose no longer reports the default PIN.
kd_assert_not_contains "$(findings)" "pin-default" "diagnose after pin-change"
kd_assert_eq False "$(kd aca-props-get --json | json 'd["PinIsDefault"]')" "PinIsDefault after pin-change"

echo "test_cli_yubikey5: ok"
