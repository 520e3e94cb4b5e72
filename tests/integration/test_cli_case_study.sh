#!/usr/bin/env bash
# The eight steps of docs/field-notes.md, case 0 (the "lockout" that wasn't) replayed with keydesk against the case-study
# token, through real pcscd + vpcd + keydesk-sim, and the answers the field notes got.
#
# Harness contract (tests/integration/lib.sh, owned by the sim engineer): sourcing it with
# KEYDESK_TEST_PROFILE set starts an isolated pcscd + vpcd + keydesk-sim for this test and stops them on exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ -f "$here/lib.sh" ] || { echo "test_cli_case_study: tests/integration/lib.sh (the sim harness) is missing" >&2; exit 1; }
export KEYDESK_TEST_PROFILE=case-study
# shellcheck source=/dev/null
source "$here/lib.sh"

keydesk="$(kd_binary keydesk src/cli/keydesk)"
reader="$kd_reader"
fail() { kd_fail "$@"; }
json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {'d': d}))" "$1"; }
kd() { "$keydesk" --reader "$reader" "$@"; }
trace="$KD_TMP/trace.txt"  # removed with the harness's temporary directory

# Step 1: one token, in the virtual reader.
info="$("$keydesk" token-info --json)"
[ "$(json 'len(d["Tokens"])' <<<"$info")" = 1 ] || fail "token-info: not exactly one token: $info"
[ "$(json 'd["Tokens"][0]["Reader"]' <<<"$info")" = "$reader" ] || fail "token-info: reader: $info"

# Step 2: a 20-hex-digit CUID.
cuid="$(kd token-cuid --json | json 'd["CUID"]')"
[[ "$cuid" =~ ^[0-9A-F]{20}$ ]] || fail "token-cuid: '$cuid'"

# Step 3: 6 of 6, no PUK, XAUTH Dynamic, PIN not shared with FIDO.
props="$(kd aca-props-get --json)"
[ "$(json '(d["CurrentPinTryCounter"], d["MaxPinTryCounter"], d["PUKInitialized"], d["XAUTHKeysInitializedStatus"], d["XAUTHChallengeType"], d["PINSharedWithFIDO"])' <<<"$props")" \
  = "(6, 6, False, True, 'Dynamic', False)" ] || fail "aca-props-get: $props"

# Step 4: the claimed PIN (derived from the CUID's tail, as the user did) answers 63C5 and spends one try.
claimed="${cuid: -6}"
[ "$claimed" != 000000 ] || claimed=111111
set +e
out="$(kd pin-verify -p "$claimed" -v 2>"$trace")"; code=$?
set -e
[ "$code" = 5 ] || fail "pin-verify claimed: exit $code: $out"
grep -q "63C5: wrong PIN, 5 retries remaining" <<<"$out" || fail "pin-verify claimed: $out"
grep -q "6 before, 5 after" <<<"$out" || fail "pin-verify claimed counters: $out"
! grep -qi "$(printf '%s' "$claimed" | od -An -tx1 | tr -d ' \n')" "$trace" || fail "the trace shows the PIN"
! grep -q "$claimed" "$trace" || fail "the trace shows the PIN"

# Step 5: the enterprise default answers 9000 and the counter is back at 6.
res="$(kd pin-verify -p 000000 -v --json 2>/dev/null)"
[ "$(json '(d["StatusWord"], d["RetriesAfter"])' <<<"$res")" = "('9000', 6)" ] || fail "pin-verify default: $res"
# ...and keydesk left no verified PIN behind: the ACA's empty VERIFY (a new connection, SELECT again, which
# keeps a login per docs/aca-protocol.md) answers "not verified, 6 left", not 9000.
[ "$(json 'd["LoggedOut"]' <<<"$res")" = True ] || fail "pin-verify default: not logged out: $res"
status="$(kd_apdu 00A404000BF06B65796465736B414341 0020008000 | tail -n 1 | awk '{print $NF}')"
[ "$status" = 63C6 ] || fail "after pin-verify the ACA still counts the PIN as verified: $status"

# Step 6: one HOTP (counter near 4.16 billion) and two TOTP credentials.
otp="$(kd otp-props-get --json)"
[ "$(json 'sorted(c["Type"] for c in d["Credentials"])' <<<"$otp")" = "['HOTP', 'TOTP', 'TOTP']" ] || fail "otp: $otp"
[ "$(json '[c["Counter"] for c in d["Credentials"] if c["Type"] == "HOTP"][0] // 10**7' <<<"$otp")" = 416 ] ||
  fail "otp: HOTP counter not near 4.16e9: $otp"

# Step 7: no FIDO PIN, 30 free discoverable-credential slots.
fido="$(kd fido-props-get --json)"
[ "$(json '(d["Options"]["clientPin"], d["RemainingDiscoverableCredentials"])' <<<"$fido")" = "(False, 30)" ] ||
  fail "fido-props-get: $fido"

# Step 8: fido-cred-list answers CTAP2_ERR_PIN_NOT_SET (0x35), and nothing was spent.
set +e
out="$(kd fido-cred-list -p 000000 -v 2>"$trace")"; code=$?
set -e
grep -q "CTAP2_ERR_PIN_NOT_SET (0x35)" <<<"$out$(cat "$trace")" || fail "fido-cred-list: exit $code: $out"
after="$(kd fido-props-get --json)"
[ "$(json 'd["Options"]["clientPin"]' <<<"$after")" = False ] || fail "fido-cred-list set a PIN?"
echo "test_cli_case_study: the eight steps of case 0 reproduced"
