#!/usr/bin/env bash
# ykman 4.0.9 against keydesk-sim's OATH and management applets: accounts add / list / code / delete, with
# every code judged by oathtool for the same secret and time window, and `ykman info` through the
# management applet.
#
# Harness contract (tests/integration/lib.sh, owned by the sim engineer): sourcing it with
# KEYDESK_TEST_PROFILE set starts an isolated pcscd + vpcd + keydesk-sim for this test and stops them on exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -f "$here/lib.sh" ]; then
  echo "test_oath_ykman: tests/integration/lib.sh (the sim harness) is missing" >&2
  exit 1
fi
export KEYDESK_TEST_PROFILE=yubikey5
# shellcheck source=/dev/null
source "$here/lib.sh"

reader="Virtual PCD 00 00"
ykman_oath() { ykman --reader "$reader" oath "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

secret_b32=JBSWY3DPEHPK3PXP  # a test secret ("Hello!\xde\xad\xbe\xef")

# --- ykman info through the management applet
info="$(ykman --reader "$reader" info)"
grep -q "Firmware version: 5.4.3" <<<"$info" || fail "ykman info: no firmware version in: $info"
grep -Eq "Serial number: [0-9]+" <<<"$info" || fail "ykman info: no serial in: $info"

# --- add a TOTP and an HOTP account
ykman_oath accounts add --force --oath-type TOTP "Example:totp@keydesk" "$secret_b32"
ykman_oath accounts add --force --oath-type HOTP "Example:hotp@keydesk" "$secret_b32"
list="$(ykman_oath accounts list)"
grep -qx "Example:totp@keydesk" <<<"$list" || fail "list lacks the TOTP account: $list"
grep -qx "Example:hotp@keydesk" <<<"$list" || fail "list lacks the HOTP account: $list"

# --- TOTP: ykman and oathtool in the same 30 s window (retry once if a window boundary fell in between)
totp_matches() {
  local before after card expected
  before=$(( $(date +%s) / 30 ))
  card="$(ykman_oath accounts code --single "Example:totp@keydesk")"
  after=$(( $(date +%s) / 30 ))
  expected="$(oathtool --totp -b "$secret_b32" -N "@$(( before * 30 ))")"
  [ "$before" -eq "$after" ] || return 2
  [ "$card" = "$expected" ] || fail "TOTP: ykman says $card, oathtool says $expected"
}
totp_matches || totp_matches || fail "TOTP: two window boundaries in a row"

# --- HOTP: each code is the next counter value (0, 1, 2), as oathtool computes it
for counter in 0 1 2; do
  card="$(ykman_oath accounts code --single "Example:hotp@keydesk")"
  expected="$(oathtool --hotp -b "$secret_b32" -c "$counter")"
  [ "$card" = "$expected" ] || fail "HOTP counter $counter: ykman says $card, oathtool says $expected"
done

# --- listing all codes must not advance the HOTP counter
ykman_oath accounts code >/dev/null
card="$(ykman_oath accounts code --single "Example:hotp@keydesk")"
[ "$card" = "$(oathtool --hotp -b "$secret_b32" -c 3)" ] || fail "CALCULATE ALL advanced the HOTP counter"

# --- delete
ykman_oath accounts delete --force "Example:hotp@keydesk"
list="$(ykman_oath accounts list)"
! grep -q "hotp@keydesk" <<<"$list" || fail "deleted account still listed: $list"
echo "test_oath_ykman: ok"
