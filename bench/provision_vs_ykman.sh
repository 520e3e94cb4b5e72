#!/usr/bin/env bash
# keydesk provision against a ykman script doing the same token steps on the same simulated YubiKey 5 (real
# pcscd + vpcd + keydesk-sim, profile yubikey5): PIN and PUK tries, the PIV management key rotated to a random
# AES-192 key, the PUK and the PIN changed from their defaults, two OATH credentials (TOTP and HOTP) put.
# keydesk also generates, seals and records every secret first, journals each step and reads every step back
# (docs/provisioning.md); ykman records nothing. Every run starts from a fresh token; only the provisioning
# itself is timed on each side. Reports each side's milliseconds per token and the ratio (goal: 20x or more).
#
# Output (one line, fixed keys): runs=5 keydesk_ms_per_token=.. ykman_ms_per_token=.. ratio=.. keydesk_apdus=..
#
# usage: bench/provision_vs_ykman.sh [RUNS]   (default 5; needs a build: KEYDESK_BUILD_DIR, default ./build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-5}"
export KEYDESK_BUILD_DIR="${KEYDESK_BUILD_DIR:-$root/build}"
export KEYDESK_SOURCE_DIR="$root"
unset KEYDESK_TEST_PROFILE
# shellcheck source=/dev/null
source "$root/tests/integration/lib.sh"
keydesk="$KEYDESK_BUILD_DIR/src/cli/keydesk"
reader="$kd_reader"
export LOGNAME=bench KEYDESK_STORE="sqlite:$KD_TMP/store.db"
"$keydesk" store init --master-key "file:$KD_TMP/master.key" >/dev/null
cat >"$KD_TMP/policy.json" <<'EOF2'
{"format": "keydesk-provisioning-policy/1", "name": "bench-yubikey",
 "puk": {"strategy": "random-per-token", "max_tries": 4},
 "pin": {"method": "random-delivered", "max_tries": 5},
 "piv_management_key": {"algorithm": "aes192"},
 "oath": {"generate": [{"name": "corp:{user}", "type": "totp"}, {"name": "vpn", "type": "hotp"}]},
 "fido": {"scope": "out-of-scope"}}
EOF2

now_ms() { date +%s%3N; }
KD_PROFILE=yubikey5
kd_pcscd_start
fresh_token() {
  if [ -n "${KD_SIM_PID:-}" ]; then kd_sim_stop; kd_wait_card absent 5; fi
  rm -f "$KD_STATE" "$KD_CONTROL" "$KD_CTAPHID"
  kd_sim_start
  kd_wait_card present
}
ykman_steps() {  # the same token steps, with secrets made the way a script would (openssl rand)
  local mgmt puk pin
  mgmt="$(openssl rand -hex 24)"
  puk="$(printf '%08d' $((RANDOM * RANDOM % 100000000)))"
  pin="$(printf '%08d' $((RANDOM * RANDOM % 100000000)))"
  ykman --reader "$reader" piv access set-retries 5 4 -m 010203040506070801020304050607080102030405060708 -P 123456 -f &&
    ykman --reader "$reader" piv access change-management-key -m 010203040506070801020304050607080102030405060708 \
      -n "$mgmt" -a AES192 -f &&
    ykman --reader "$reader" piv access change-puk -p 12345678 -n "$puk" &&
    ykman --reader "$reader" piv access change-pin -P 123456 -n "$pin" &&
    ykman --reader "$reader" oath accounts add -f "corp:bench" "$(openssl rand -hex 20 | xxd -r -p | base32)" &&
    ykman --reader "$reader" oath accounts add -f -o HOTP vpn "$(openssl rand -hex 20 | xxd -r -p | base32)"
}

kd_total=0 yk_total=0 apdus=0
for i in $(seq "$runs"); do
  fresh_token
  start=$(now_ms)
  "$keydesk" --reader "$reader" provision --policy "$KD_TMP/policy.json" --user "bench$i" --json >"$KD_TMP/out.json" ||
    kd_fail "keydesk provision failed: $(cat "$KD_TMP/out.json")"
  end=$(now_ms)
  kd_total=$((kd_total + end - start))
  apdus="$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ApdusSent"])' "$KD_TMP/out.json")"
  fresh_token
  start=$(now_ms)
  ykman_steps >/dev/null 2>"$KD_TMP/ykman.err" || kd_fail "ykman failed: $(cat "$KD_TMP/ykman.err")"
  end=$(now_ms)
  yk_total=$((yk_total + end - start))
done
/usr/bin/python3 -c "
kd, yk, n = $kd_total, $yk_total, $runs
print(f'runs={n} keydesk_ms_per_token={kd / n:.1f} ykman_ms_per_token={yk / n:.1f} ratio={yk / max(kd, 1):.1f} keydesk_apdus=$apdus')"
