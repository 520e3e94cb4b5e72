#!/usr/bin/env bash
# Faults end in seconds (docs/cli.md, "Timeouts"): a token that stops answering (keydesk-sim `freeze`
# keeps the vpcd connection open and answers nothing, like a hung reader) ends diagnose and pin-verify
# with exit 7 within the --timeout; after `thaw` the same token is diagnosed normally. A token pulled
# out in the middle of diagnose (`freeze after N` holds the next command, then `remove`) is reported as
# failed probes of kind token-removed, Complete=false and exit 4, while the probes before it keep their
# answers.
set -euo pipefail
export KEYDESK_TEST_PROFILE=case-study
source "$(dirname "$0")/lib.sh"

keydesk="$(kd_binary keydesk src/cli/keydesk)"
json() { "$KD_PY" -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {'d': d}))" "$1"; }
status_field() { "$KD_PY" -c "import json,sys; print(json.loads(sys.argv[2])[sys.argv[1]])" "$1" "$(kd_control status)"; }
now_ms() { date +%s%3N; }

# --- frozen: diagnose
kd_control freeze >/dev/null
kd_assert_eq True "$(status_field frozen)" "status after freeze"
start=$(now_ms)
set +e
out="$("$keydesk" --reader "$kd_reader" --timeout 2 --json diagnose)"
code=$?
set -e
elapsed=$(( $(now_ms) - start ))
echo "diagnose on a frozen token: exit $code after ${elapsed} ms"
kd_assert_eq 7 "$code" "diagnose exit code on a frozen token"
[ "$elapsed" -lt 8000 ] || kd_fail "diagnose on a frozen token took ${elapsed} ms (timeout 2 s)"
kd_assert_eq False "$(json 'd["Complete"]' <<<"$out")" "Complete on a frozen token"
kd_assert_eq timeout "$(json 'd["ProbeErrors"]["cuid"]["kind"]' <<<"$out")" "the CUID probe's error kind"
kd_assert_eq None "$(json 'd["Token"]["CUID"]' <<<"$out")" "no CUID from a frozen token"
kd_assert_eq 1 "$(status_field unanswered)" "the sim holds the unanswered command"

# --- frozen: pin-verify ends too (its first read never comes back; nothing else is sent)
start=$(now_ms)
set +e
err="$("$keydesk" --reader "$kd_reader" --timeout 1.5 pin-verify -p 123456 2>&1 >/dev/null)"
code=$?
set -e
elapsed=$(( $(now_ms) - start ))
echo "pin-verify on a frozen token: exit $code after ${elapsed} ms"
kd_assert_eq 7 "$code" "pin-verify exit code on a frozen token"
[ "$elapsed" -lt 6000 ] || kd_fail "pin-verify on a frozen token took ${elapsed} ms (timeout 1.5 s)"
kd_assert_contains "$err" "stopped answering" "pin-verify's message"

# --- thawed: the same token answers again
kd_control thaw >/dev/null
out="$("$keydesk" --reader "$kd_reader" --json diagnose)"
kd_assert_eq True "$(json 'd["Complete"]' <<<"$out")" "Complete after thaw"
[[ "$(json 'd["Token"]["CUID"]' <<<"$out")" =~ ^[0-9A-F]{20}$ ]] || kd_fail "no CUID after thaw: $out"

# --- removed in the middle of diagnose: CPLC, ACA SELECT and GET PROPERTIES are answered, the fourth
# command (OATH SELECT) is held until the token is pulled out.
kd_control freeze after 3 >/dev/null
"$keydesk" --reader "$kd_reader" --timeout 20 --json diagnose >"$KD_TMP/removed.json" &
diagnose_pid=$!
for _ in $(seq 200); do
  [ "$(status_field unanswered)" -ge 1 ] && break
  sleep 0.05
done
kd_assert_eq 1 "$(status_field unanswered)" "a command held after 3 answered"
start=$(now_ms)
kd_control remove >/dev/null
set +e
wait "$diagnose_pid"
code=$?
set -e
elapsed=$(( $(now_ms) - start ))
out="$(cat "$KD_TMP/removed.json")"
echo "diagnose with the token pulled out mid-way: exit $code, ${elapsed} ms after the removal"
kd_assert_eq 4 "$code" "diagnose exit code after a removal"
[ "$elapsed" -lt 5000 ] || kd_fail "diagnose took ${elapsed} ms to notice the removal"
kd_assert_eq False "$(json 'd["Complete"]' <<<"$out")" "Complete after a removal"
[[ "$(json 'd["Token"]["CUID"]' <<<"$out")" =~ ^[0-9A-F]{20}$ ]] || kd_fail "the CUID read before the removal is lost: $out"
kd_assert_eq 6 "$(json 'd["AccessControl"]["CurrentPinTryCounter"]' <<<"$out")" "access control read before the removal"
kd_assert_eq token-removed "$(json 'd["ProbeErrors"]["oath"]["kind"]' <<<"$out")" "the OATH probe's error kind"
kd_assert_eq token-removed "$(json 'd["ProbeErrors"]["fido"]["kind"]' <<<"$out")" "the FIDO probe's error kind"
kd_assert_eq None "$(json 'd["Oath"]' <<<"$out")" "no OATH state from a removed token"
kd_control insert >/dev/null
kd_wait_card present 5
echo "test_robust_frozen_token: ok"
