#!/usr/bin/env bash
# keydesk provision killed (SIGKILL, $KEYDESK_TEST_KILL_AT) at steps across the run, on SQLite and on a
# throwaway PostgreSQL cluster the test starts: the record says pending, `provision --resume` completes it, and
# yubico-piv-tool then verifies the recorded PIN and unblocks with the recorded PUK, oathtool agrees with the
# token's HOTP code from the recorded seed. Then the record during a call: diagnose --store shows the owner,
# the PIN still the transport PIN (force-change pending), the PUK on record, the recorded HOTP counter next
# to the token's (aligned, then not after the token made a code); fleet-report counts the gaps over the store
# and against the connected tokens (an unrecorded token is "seen, not recorded"), writes a self-contained
# HTML report; every --json document matches docs/cli-json-schema.json.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=/dev/null
source "$here/lib.sh"
# shellcheck source=/dev/null
source "$here/provision_lib.sh"

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$PGBIN" ] || kd_fail "PostgreSQL is not installed: run scripts/setup.sh"
pg_dir=""
kd_on_exit 'if [ -n "$pg_dir" ]; then runuser -u postgres -- "$PGBIN/pg_ctl" -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1; rm -rf "$pg_dir"; fi'

docs="$KD_TMP/documents"
mkdir -p "$docs"
n=0
keep_doc() {  # DEFINITION: $out is a document of that schema definition
  n=$((n + 1))
  printf '%s' "$out" >"$docs/$(printf '%02d' "$n").$1.json"
}

kd_pcscd_start
kd_write_policies
# The factory policy with the transport PIN kept and ForcePinChange set (the ACA has the flag).
sed 's#"pin": {"method": "random-delivered", "length": 8, "max_tries": 5}#"pin": {"method": "default-force-change", "max_tries": 5}#' \
  "$KD_TMP/policy-factory.json" >"$KD_TMP/policy-force.json"
grep -q default-force-change "$KD_TMP/policy-force.json" || kd_fail "policy-force.json was not written"

# Killed at MARKER, resumed, judged. The PIN is the transport PIN (force-change policy).
kill_and_resume() {  # MARKER WHAT
  echo "$(date +%T) kill at $1 ($2)"
  kd_fresh_token factory
  local cuid rc=0
  cuid="$(kd_cuid)"
  KEYDESK_TEST_KILL_AT="$1" "$keydesk" provision --reader "$kd_reader" --policy "$KD_TMP/policy-force.json" \
    --user carol >"$KD_TMP/out" 2>"$KD_TMP/err" || rc=$?
  kd_assert_eq 137 "$rc" "$2: killed at $1"
  kd_assert_eq pending "$(kd_record_field "$cuid" Provisioning)" "$2: the record is pending after the kill"
  run_kd 0 provision --reader "$kd_reader" --policy "$KD_TMP/policy-force.json" --resume --json
  kd_assert_eq confirmed "$(json_get "$out" '["Outcome"]')" "$2: resumed"
  kd_assert_eq True "$(json_get "$out" '["Resumed"]')" "$2: the run was resumed"
  keep_doc provision
  kd_assert_eq active "$(kd_record_field "$cuid" Status)" "$2: active after the resume"
  judge_pin "$(kd_secret "$cuid" initial-pin)" "$2"
  judge_hotp "$cuid" vpn 3 "$2"
  local puk
  puk="$(kd_secret "$cuid" puk)"
  o="$(yubico-piv-tool -r "$kd_reader" -a unblock-pin -P "$puk" -N 24681357 2>&1)" ||
    kd_fail "$2: the recorded PUK does not unblock after the resume: $o"
}

kd_new_store "sqlite:$KD_TMP/store.db"
for marker in r1/record:done r1/aca-xauth-key:applied r1/aca-puk:applied r1/oath-credentials:applied \
  r1/fido-pin:begin r1/confirm:begin; do
  kill_and_resume "$marker" "sqlite"
done
run_kd 0 audit verify

pg_dir="$(mktemp -d /tmp/keydesk-it-pg.XXXXXX)"
chown postgres:postgres "$pg_dir"
port=$("$KD_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
runuser -u postgres -- "$PGBIN/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
  -o "-k $pg_dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
psql -X -q "postgresql://postgres@127.0.0.1:$port/postgres" -c "CREATE DATABASE keydesk"
kd_new_store "postgresql://postgres@127.0.0.1:$port/keydesk"
for marker in r1/aca-pin:applied r1/piv-management-key:applied; do
  kill_and_resume "$marker" "postgresql"
done
run_kd 0 audit verify

# --- the record during a call (on the PostgreSQL store) --------------------------------------------------
kd_fresh_token factory
cuid="$(kd_cuid)"
run_kd 0 provision --reader "$kd_reader" --policy "$KD_TMP/policy-force.json" --user dave --email dave@example.com
run_kd 0 diagnose --reader "$kd_reader" --json
keep_doc diagnose
kd_assert_eq True "$(json_get "$out" '["Record"]["OnRecord"]')" "diagnose: the token is on record"
kd_assert_eq dave "$(json_get "$out" '["Record"]["User"]["Name"]')" "diagnose: the owner"
kd_assert_eq True "$(json_get "$out" '["Record"]["Pin"]["StillProvisioned"]')" "diagnose: PIN still the transport PIN"
kd_assert_eq True "$(json_get "$out" '["Record"]["Puk"]["OnRecord"]')" "diagnose: PUK on record"
kd_assert_eq "3 3 True" "$(json_get "$out" '["Record"]["HotpCounters"][0]["Recorded"], d["Record"]["HotpCounters"][0]["OnToken"], d["Record"]["HotpCounters"][0]["Aligned"]' | tr -d '(),')" "diagnose: HOTP counters side by side"
run_kd 0 diagnose --reader "$kd_reader"
kd_assert_contains "$out" "owner: dave <dave@example.com>" "diagnose (text): the owner"
kd_assert_contains "$out" "PUK: on record" "diagnose (text): the PUK"
# The token makes a HOTP code the validation server never saw: the counters part.
ykman --reader "$kd_reader" oath accounts code -s vpn >/dev/null
run_kd 0 diagnose --reader "$kd_reader" --json
kd_assert_eq "3 4 False" "$(json_get "$out" '["Record"]["HotpCounters"][0]["Recorded"], d["Record"]["HotpCounters"][0]["OnToken"], d["Record"]["HotpCounters"][0]["Aligned"]' | tr -d '(),')" "diagnose: the token's counter moved on"
# The holder changes the PIN: no longer the provisioned one (the ACA clears ForcePinChange).
"$keydesk" --reader "$kd_reader" pin-change -p 123456 -n 86421357 >/dev/null
run_kd 0 diagnose --reader "$kd_reader" --json
kd_assert_eq False "$(json_get "$out" '["Record"]["Pin"]["StillProvisioned"]')" "diagnose: the PIN was changed"
# A diagnosis without a store is as before (no Record member).
run_kd 0 diagnose --reader "$kd_reader" --json --store "sqlite:$KD_TMP/none.db"
kd_assert_contains "$(json_get "$out" '["Record"]["Error"]')" "" "diagnose: an unusable store is said"

# --- fleet report ----------------------------------------------------------------------------------------
# One more token, never recorded, in the reader: "seen, not recorded".
kd_fresh_token factory
run_kd 0 record add 4090AAAA000000000001 --serial 1 --model sim --reason stock
run_kd 0 fleet-report --json
keep_doc fleet-report
kd_assert_eq 4 "$(json_get "$out" '["Records"]')" "fleet: records (3 provisioned on PostgreSQL + 1 in stock)"
kd_assert_eq 3 "$(json_get "$out" '["InService"]')" "fleet: in service"
kd_assert_eq 0 "$(json_get "$out" '["Gaps"]["WithoutPuk"]["Records"]')" "fleet: every provisioned token has a PUK"
kd_assert_eq 0 "$(json_get "$out" '["Gaps"]["OathNotAligned"]["Records"]')" "fleet: every HOTP credential was exported"
kd_assert_eq None "$(json_get "$out" '["Tokens"]')" "fleet: no tokens read without --tokens"
# A token whose record lost its PUK and its FIDO policy (sealed rows deleted behind keydesk's back is
# audit verify's business; here the figure must count it).
psql -X -q "postgresql://postgres@127.0.0.1:$port/keydesk" -c "DELETE FROM token_secrets WHERE cuid = '$cuid' AND field = 'puk'"
run_kd 0 fleet-report --json --tokens --reader "$kd_reader" --html "$KD_TMP/fleet.html"
keep_doc fleet-report
kd_assert_eq 1 "$(json_get "$out" '["Gaps"]["WithoutPuk"]["Records"]')" "fleet: the token without a PUK on record"
kd_assert_eq 1 "$(json_get "$out" '["Gaps"]["SeenNotRecorded"]["Tokens"]')" "fleet: the unrecorded token in the reader"
kd_assert_eq False "$(json_get "$out" '["Tokens"][0]["Recorded"]')" "fleet: the connected token is not recorded"
grep -q "<svg" "$KD_TMP/fleet.html" || kd_fail "fleet: the HTML report has no chart"
grep -q "tokens without a recorded PUK" "$KD_TMP/fleet.html" || kd_fail "fleet: the HTML report lacks the gaps"
if grep -Eq '<script|src="http|href="http' "$KD_TMP/fleet.html"; then kd_fail "fleet: the HTML report is not self-contained"; fi
"$KD_PY" -c 'import sys, html.parser; p = html.parser.HTMLParser(); p.feed(open(sys.argv[1]).read()); p.close()' "$KD_TMP/fleet.html"
run_kd 0 fleet-report
kd_assert_contains "$out" "tokens without a recorded PUK" "fleet (table)"

/usr/bin/python3 - "$KEYDESK_SOURCE_DIR/docs/cli-json-schema.json" "$docs" <<'PY' || kd_fail "a --json document does not match docs/cli-json-schema.json"
import json, os, sys, jsonschema
schema = json.load(open(sys.argv[1]))
failed = 0
for name in sorted(os.listdir(sys.argv[2])):
    definition = name.split(".")[1]
    try:
        jsonschema.validate(json.load(open(os.path.join(sys.argv[2], name))), {"$ref": "#/$defs/" + definition, "$defs": schema["$defs"]})
    except jsonschema.ValidationError as e:
        failed += 1
        print(f"{name}: {e.message} at {list(e.absolute_path)}", file=sys.stderr)
sys.exit(1 if failed else 0)
PY
echo "ok"
