#!/usr/bin/env bash
# keydesk-sim seen through OpenSC's tools: the reader holds a card, the ATR is the profile's, and the card
# answers the CPLC GET DATA with 9F7F and 42 bytes.
set -euo pipefail
export KEYDESK_TEST_PROFILE=yubikey5
source "$(dirname "$0")/lib.sh"

readers="$(opensc-tool -l)"
line="$(grep -F "$kd_reader" <<<"$readers" || true)"
[[ "$line" =~ ^[0-9]+\ +Yes\ +.*$kd_reader$ ]] || kd_fail "opensc-tool -l: expected '$kd_reader' with a card, got: $readers"

expected_atr="$("$KD_PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['card']['atr'])" \
  "$KEYDESK_SOURCE_DIR/profiles/yubikey5/card.json" | tr 'A-F' 'a-f' | sed 's/../&:/g; s/:$//')"
atr="$(opensc-tool -r "$kd_reader" -a | tail -n 1)"
kd_assert_eq "$expected_atr" "$atr" "opensc-tool -a: ATR"

cplc="$(opensc-tool -r "$kd_reader" -s 80CA9F7F00)"
kd_assert_contains "$cplc" "Received (SW1=0x90, SW2=0x00)" "CPLC GET DATA status"
bytes="$(sed -n '/^Received/,$p' <<<"$cplc" | tail -n +2 | cut -c1-48 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')"
kd_assert_eq "9F 7F 2A" "$(cut -d' ' -f1-3 <<<"$bytes")" "CPLC response header"
kd_assert_eq 45 "$(wc -w <<<"$bytes" | tr -d ' ')" "CPLC response length (9F 7F 2A + 42 bytes)"

# The same CPLC through keydesk-sim's own status: the CUID is fabricator, type, batch and serial.
cuid="$("$KD_PY" -c "import json,sys; print(json.loads(sys.argv[1])['cuid'])" "$(kd_control status)")"
raw="$(tr -d ' ' <<<"$bytes")"
kd_assert_eq "${raw:6:8}${raw:38:4}${raw:30:8}" "$cuid" "CUID from the CPLC bytes"
echo "test_sim_basic: ok"
