#!/usr/bin/env bash
# Malformed, truncated, over-long and out-of-order APDUs sent through real pcscd + vpcd get the ISO 7816-4
# status word a card owes them, the sim never crashes, and no byte of the state file changes.
set -euo pipefail
export KEYDESK_TEST_PROFILE=factory
source "$(dirname "$0")/lib.sh"

select_aca=00A404000BF06B65796465736B414341
state_before="$(sha256sum <"$KD_STATE")"

# STEP EXPECTED-SW WHAT, one connection for all (order matters for the chaining cases)
cases=(
  "00A4040005A0000003|6700|truncated: Lc 5, 3 data bytes"
  "00A4040002A000000308|6700|over-long: Lc 2, 4 data bytes"
  "00CA9F7F0000|6700|short Le followed by a stray byte"
  "00CA9F7F0000050102|6700|extended Lc 5 with 2 data bytes"
  "00EE000000|6D00|unknown instruction, nothing selected"
  "0CA4040005A000000308|6E00|CLA with secure messaging bits"
  "00A4040005F000000000|6A82|SELECT of an AID no applet has"
  "$select_aca|9000|SELECT the ACA"
  "0020008006313233|6700|VERIFY whose PIN is cut short (must not spend a try)"
  "10DB3FFF02AABB|9000|first link of a command chain"
  "00A4040005A000000308|6883|a different command before the chain ended"
  "1020008002AABB|9000|a VERIFY chain, first link"
  "1024008002CCDD|6883|a CHANGE PIN link in the middle of the VERIFY chain"
  "0020008000|63C3|PIN status: no try was spent"
)
steps=()
for c in "${cases[@]}"; do steps+=("${c%%|*}"); done
mapfile -t replies < <(kd_apdu "${steps[@]}" || true)
for i in "${!cases[@]}"; do
  IFS='|' read -r apdu expected what <<<"${cases[$i]}"
  kd_assert_eq "$expected" "${replies[$i]##* }" "$what ($apdu)"
done

# Seeded garbage: random lengths and bytes; every answer must end with a status word, none may crash it.
mapfile -t garbage < <("$KD_PY" -c '
import random
r = random.Random(7816)
for _ in range(300):
    n = r.choice([4, 5, 6, 7, 8, 9, r.randrange(4, 300), r.randrange(255, 1100)])
    b = bytearray(r.randrange(256) for _ in range(n))
    if r.random() < 0.5: b[0] = r.choice([0x00, 0x10, 0x80, 0x90])
    if b[0] & 0x80 == 0 and b[1] == 0xA4: b[1] = 0xA5  # no random SELECT: nothing gets selected
    print(b.hex())')
mapfile -t replies < <(kd_apdu "${garbage[@]}" || true)
kd_assert_eq "${#garbage[@]}" "${#replies[@]}" "number of answers to the garbage"
for i in "${!replies[@]}"; do
  [[ "${replies[$i]}" =~ (^| )[0-9A-F]{4}$ ]] || kd_fail "garbage APDU ${garbage[$i]} got no status word: ${replies[$i]}"
done

kill -0 "$KD_SIM_PID" || kd_fail "keydesk-sim is gone"
kd_assert_eq "$state_before" "$(sha256sum <"$KD_STATE")" "state file (sha256) after the bad input"
echo "test_sim_bad_input: ok"
