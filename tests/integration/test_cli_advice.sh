#!/usr/bin/env bash
# The advice matrix on real tokens: diagnose and the PIN attempts name only the unblock paths the token
# reports, through real pcscd + vpcd + keydesk-sim. The counters are spent with raw APDUs (pyscard), not by
# keydesk, and yubico-piv-tool judges the PIV counters.
#   case-study (ACA): PUK set by keydesk + XAUTH key -> both named; PUK blocked -> XAUTH only;
#                     XAUTH blocked too -> only a destructive reset. A fresh case-study token (no PUK):
#                     XAUTH only, "this token has no PUK".
#   yubikey5 (PIV only, no XAUTH): PUK only; PUK blocked -> only a destructive reset.
# `explain 63C0` names no path as if it existed: it says which condition leads where and points at diagnose.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export KEYDESK_TEST_PROFILE=case-study
# shellcheck source=/dev/null
source "$here/lib.sh"

keydesk="$(kd_binary keydesk src/cli/keydesk)"
reader="$kd_reader"
json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {'d': d}))" "$1"; }
kd() { "$keydesk" --reader "$reader" "$@"; }
# The next step of one finding (empty when the finding is absent).
next_step() {
  kd diagnose --json | json "next((f['next_step'] for f in d['Findings'] if f['id'] == '$1'), '')"
}
finding_ids() { kd diagnose --json | json '" ".join(f["id"] for f in d["Findings"])'; }
last_sw() { awk '{print $NF}' | tail -n 1; }

export WRONG_PIN=111111 PIN=000000 PUK=12345678
ACA_SELECT=00A404000BF06B65796465736B414341
PIV_SELECT=00A4040009A00000030800001000

# --- case-study: a fresh token has an XAUTH key and no PUK
kd_apdu $ACA_SELECT $(for _ in 1 2 3 4 5 6; do echo 0020008006313131313131; done) >/dev/null
step="$(next_step pin-blocked)"
kd_assert_contains "$step" "XAUTH challenge-response (5 of 5 tries left)" "no PUK, XAUTH: XAUTH named"
kd_assert_contains "$step" "this token has no PUK" "no PUK, XAUTH: the missing PUK said"
kd_assert_not_contains "$step" "pin-reset-tries" "no PUK, XAUTH: the PUK is not offered"
# pin-verify on the blocked PIN (forced past the interlock) gives the same paths as its next step.
set +e
out="$(kd --json pin-verify -p env:WRONG_PIN --force)"
code=$?
set -e
kd_assert_eq 6 "$code" "pin-verify on a blocked PIN: exit code"
kd_assert_contains "$(json 'd["NextStep"]' <<<"$out")" "XAUTH challenge-response" "pin-verify next step"
kd_assert_not_contains "$(json 'd["NextStep"]' <<<"$out")" "pin-reset-tries" "pin-verify next step"

# --- case-study with a PUK set by keydesk: both paths, then the PUK blocked, then XAUTH blocked
kd_sim_stop
kd_wait_card absent 5
rm -f "$KD_STATE" "$KD_CONTROL"
kd_sim_start
kd_wait_card present
kd puk-put -p env:PIN --puk env:PUK >/dev/null
kd_apdu $ACA_SELECT $(for _ in 1 2 3 4 5 6; do echo 0020008006313131313131; done) >/dev/null
step="$(next_step pin-blocked)"
kd_assert_contains "$step" "pin-reset-tries with the PUK (3 of 3 tries left)" "PUK + XAUTH: PUK named"
kd_assert_contains "$step" "XAUTH challenge-response (5 of 5 tries left)" "PUK + XAUTH: XAUTH named"
# Three wrong PUKs (RESET RETRY COUNTER, C2 PUK, C1 new PIN) block the PUK.
wrong_rrc=002C008012C2083939393939393939C106313233343536
sw="$(kd_apdu $ACA_SELECT $wrong_rrc $wrong_rrc $wrong_rrc | last_sw)"
kd_assert_eq 63C0 "$sw" "the third wrong PUK"
step="$(next_step pin-blocked)"
kd_assert_not_contains "$step" "pin-reset-tries" "PUK blocked: the PUK is not offered"
kd_assert_contains "$step" "PUK is blocked" "PUK blocked: said"
kd_assert_contains "$step" "XAUTH challenge-response" "PUK blocked: XAUTH still named"
kd_assert_contains "$(next_step puk-blocked)" "can still be unblocked by the help desk's XAUTH" "puk-blocked advice"
# Five wrong cryptograms (GET CHALLENGE, then EXTERNAL AUTHENTICATE with a zero block) block the XAUTH key.
steps=()
for _ in 1 2 3 4 5; do steps+=(0084000010 008200001000000000000000000000000000000000); done
kd_apdu $ACA_SELECT "${steps[@]}" >/dev/null
ids="$(finding_ids)"
kd_assert_contains "$ids" "xauth-blocked" "XAUTH blocked: finding"
kd_assert_not_contains "$ids" "xauth-unblock-available" "XAUTH blocked: not offered as available"
step="$(next_step pin-blocked)"
kd_assert_contains "$step" "only token-reset remains" "nothing left: destructive reset"
kd_assert_not_contains "$step" "without losing data" "nothing left: no false promise"
kd_assert_contains "$(next_step puk-blocked)" "XAUTH key is blocked too" "puk-blocked with XAUTH blocked"

# --- yubikey5: PIV only, a PUK and no XAUTH key
kd_sim_stop
kd_pcscd_stop
rm -f "$KD_STATE" "$KD_CONTROL"
kd_start_stack yubikey5
wrong_verify=00200080083131313131313131
kd_apdu $PIV_SELECT $wrong_verify $wrong_verify $wrong_verify >/dev/null
kd_assert_eq 0 "$(yubico-piv-tool -r "$reader" -a status 2>&1 | sed -n 's/^PIN tries left:[[:space:]]*//p')" \
  "yubico-piv-tool: PIN tries left"
step="$(next_step pin-blocked)"
kd_assert_contains "$step" "pin-reset-tries with the PUK (3 of 3 tries left)" "PIV: PUK named"
kd_assert_contains "$step" "this token has no XAUTH key" "PIV: the missing XAUTH said"
kd_assert_not_contains "$step" "challenge-response (" "PIV: XAUTH not offered"
# Three wrong PUKs (PIV RESET RETRY COUNTER: PUK || new PIN, 8 bytes each) block the PUK.
wrong_piv_rrc=002C0080103939393939393939313233343536FFFF
sw="$(kd_apdu $PIV_SELECT $wrong_piv_rrc $wrong_piv_rrc $wrong_piv_rrc | last_sw)"
kd_assert_eq 63C0 "$sw" "PIV: the third wrong PUK"
step="$(next_step pin-blocked)"
kd_assert_contains "$step" "only token-reset remains" "PIV, PUK blocked: destructive reset"
kd_assert_contains "$step" "PUK is blocked" "PIV, PUK blocked: said"
kd_assert_contains "$(next_step puk-blocked)" "this token has no XAUTH key" "PIV puk-blocked advice"

# --- explain without a token: conditions, not claims
out="$("$keydesk" explain 63C0)"
kd_assert_contains "$out" "keydesk diagnose" "explain 63C0 points at the probe"
kd_assert_contains "$out" "neither: only a destructive reset" "explain 63C0 names the conditions"
echo "advice matrix on real tokens: ok"
