#!/usr/bin/env bash
# APDU round trip in process vs. through pcscd + vpcd + keydesk-sim, in a private namespace started by the
# integration harness; prints both figures and their ratio.
#   KEYDESK_BUILD_DIR=build bash bench/run_apdu_roundtrip.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export KEYDESK_SOURCE_DIR="$root"
export KEYDESK_BUILD_DIR="${KEYDESK_BUILD_DIR:-$root/build}"
export KEYDESK_TEST_PROFILE=factory
# shellcheck source=../tests/integration/lib.sh
source "$root/tests/integration/lib.sh"

# The sim's -v trace would measure stderr writes: restart it quietly.
kd_sim_stop
kd_wait_card absent 5
rm -f "$KD_CONTROL"
"$KD_SIM" --profile factory --state "$KD_STATE" --vpcd-port "$KD_VPCD_PORT" --control "$KD_CONTROL" 2>>"$KD_SIM_LOG" &
KD_SIM_PID=$!
kd_wait_card present

out="$KD_TMP/bench.json"
KEYDESK_BENCH_READER="$kd_reader" "$KEYDESK_BUILD_DIR/bench/bench_apdu_roundtrip" --benchmark_out="$out" \
  --benchmark_out_format=json >&2
"$KD_PY" - "$out" <<'PY'
import json, sys
runs = {b["name"].split("/")[0]: b for b in json.load(open(sys.argv[1]))["benchmarks"]}
local = runs["BM_ApduRoundTrip_InProcess"]["us_per_apdu"]
pcsc = runs["BM_ApduRoundTrip_PcscVpcdSim"]["us_per_apdu"]
hand_off = runs["BM_DeadlineRunnerHandOff"]["us_per_call"]
print(f"APDU round trip: in process {local:.2f} us, through pcscd+vpcd+keydesk-sim {pcsc:.1f} us, ratio {pcsc / local:.0f}x; "
      f"deadline hand-off {hand_off:.1f} us per PC/SC call ({100 * hand_off / pcsc:.0f}% of the round trip)")
PY
