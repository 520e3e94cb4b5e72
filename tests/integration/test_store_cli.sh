#!/usr/bin/env bash
# The record store through the real keydesk binary, on SQLite and on a throwaway PostgreSQL cluster the
# test starts itself: store init (a 0600 key file; a second init and a group-readable key refused), record
# add / show / set-status (only the lifecycle table's transitions, a reason required), audit verify, store
# rotate-key, --json validated against docs/cli-json-schema.json; then the store is changed behind
# keydesk's back with sqlite3 and psql, and keydesk names the damage (exit 8) and refuses the record.
# Needs no token: the harness's pcscd/sim stack is not started.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=/dev/null
source "$here/lib.sh"

keydesk="$(kd_binary keydesk src/cli/keydesk)"
schema="$KEYDESK_SOURCE_DIR/docs/cli-json-schema.json"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$PGBIN" ] || kd_fail "PostgreSQL is not installed: run scripts/setup.sh"
command -v sqlite3 >/dev/null || kd_fail "sqlite3 is not installed: run scripts/setup.sh"
export LOGNAME=it-operator

pg_dir=""
store_cleanup() {
  local status=$?
  if [ -n "$pg_dir" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
  (exit "$status")
  kd_cleanup
}
trap store_cleanup EXIT

A=4090A1B2C3D4E5F60718
B=4090A1B2C3D4E5F60719
C=4090A1B2C3D4E5F6071A

# run_kd EXPECTED_EXIT ARGS...: runs keydesk, checks the exit code, leaves stdout in $out, stderr in $err.
run_kd() {
  local want=$1
  shift
  local rc=0
  "$keydesk" "$@" >"$KD_TMP/out" 2>"$KD_TMP/err" || rc=$?
  out="$(cat "$KD_TMP/out")"
  err="$(cat "$KD_TMP/err")"
  [ "$rc" = "$want" ] || kd_fail "keydesk $* exited $rc, expected $want. stdout: $out stderr: $err"
}

# valid DEF JSON: the document matches #/$defs/DEF.
valid() {
  KEYDESK_JSON="$2" "$KD_PY" -c '
import json, os, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.validate(json.loads(os.environ["KEYDESK_JSON"]), {"$ref": "#/$defs/" + sys.argv[2], "$defs": schema["$defs"]})
' "$schema" "$1" || kd_fail "$1 --json does not match docs/cli-json-schema.json: $2"
}

json_get() { KEYDESK_JSON="$1" "$KD_PY" -c 'import json, os, sys; print(eval("d" + sys.argv[1], {"d": json.loads(os.environ["KEYDESK_JSON"])}))' "$2"; }

# exercise NAME URL TOOL...: TOOL... followed by one SQL string runs it against the store.
exercise() {
  local name=$1 url=$2
  shift 2
  local key_path="$KD_TMP/$name-master.key"
  local s=(--store "$url")

  run_kd 0 store init "${s[@]}" --master-key "file:$key_path" --json
  valid store-init "$out"
  kd_assert_eq True "$(json_get "$out" '["MasterKeyCreated"]')" "$name: init created the master key"
  kd_assert_eq 600 "$(stat -c %a "$key_path")" "$name: master key file mode"
  run_kd 3 store init "${s[@]}" --master-key "file:$key_path"
  kd_assert_contains "$err" "already initialised" "$name: second init"
  chmod 640 "$key_path"
  run_kd 3 audit verify "${s[@]}"
  kd_assert_contains "$err" "chmod 600" "$name: a group-readable key file is refused"
  chmod 600 "$key_path"

  run_kd 0 record add "$A" "${s[@]}" --serial 10000001 --model "keydesk-sim standard" --reason "delivery 7" --operator alice --json
  valid record-add "$out"
  run_kd 0 record add "$B" "${s[@]}"
  run_kd 1 record add "$B" "${s[@]}"
  kd_assert_contains "$err" "already on record" "$name: duplicate CUID"
  run_kd 0 record set-status "$A" active "${s[@]}" --reason INC-1 --operator dave --json
  valid record-set-status "$out"
  run_kd 3 record set-status "$A" in-stock "${s[@]}" --reason "back to stock"
  kd_assert_contains "$err" "active -> in-stock is not allowed" "$name: transition table"
  run_kd 2 record set-status "$A" suspended "${s[@]}"
  kd_assert_contains "$err" "--reason" "$name: a status change needs a reason"
  run_kd 2 record set-status "$A" misplaced "${s[@]}" --reason x

  run_kd 0 record show "$A" "${s[@]}"
  kd_assert_contains "$out" "active (INC-1, by dave" "$name: record show status line"
  kd_assert_contains "$out" "PUK             unknown (not on record)" "$name: secrets only as on record"
  kd_assert_contains "$out" "token.create" "$name: record show history"
  run_kd 0 record show "$A" "${s[@]}" --json
  valid record-show "$out"
  kd_assert_eq active "$(json_get "$out" '["Records"][0]["Status"]')" "$name: status in JSON"
  kd_assert_eq alice "$(json_get "$out" '["Records"][0]["History"][0]["Operator"]')" "$name: --operator"
  run_kd 0 record show "$B" "${s[@]}" --json
  kd_assert_eq it-operator "$(json_get "$out" '["Records"][0]["History"][0]["Operator"]')" "$name: default operator"

  run_kd 0 audit verify "${s[@]}" --json
  valid audit-verify "$out"
  kd_assert_eq True "$(json_get "$out" '["Ok"]')" "$name: clean store verifies"
  kd_assert_eq 4 "$(json_get "$out" '["Entries"]')" "$name: init, two adds, one status change"

  run_kd 0 store rotate-key "${s[@]}" --new-master-key "file:$KD_TMP/$name-master-2.key" --reason CHG-1 --json
  valid store-rotate-key "$out"
  run_kd 0 audit verify "${s[@]}"
  run_kd 8 audit verify "${s[@]}" --master-key "file:$key_path"
  kd_assert_contains "$err" "does not open this store's data key" "$name: the old master key after rotation"

  # --- behind keydesk's back
  "$@" "UPDATE tokens SET status = 'lost' WHERE cuid = '$A'" >/dev/null
  run_kd 8 record show "$A" "${s[@]}"
  kd_assert_contains "$err" "changed outside keydesk" "$name: a record changed with SQL is refused"
  run_kd 8 record show "$A" "${s[@]}" --json
  valid error "$out"
  kd_assert_eq integrity "$(json_get "$out" '["error"]["kind"]')" "$name: error kind"
  run_kd 0 record show "$B" "${s[@]}"
  run_kd 8 audit verify "${s[@]}" --json
  valid audit-verify "$out"
  kd_assert_eq record-changed "$(json_get "$out" '["Findings"][0]["Kind"]')" "$name: first finding"
  kd_assert_eq "$A" "$(json_get "$out" '["Findings"][0]["Subject"]')" "$name: which record"

  "$@" "DELETE FROM audit_log WHERE seq = 3" >/dev/null
  run_kd 8 audit verify "${s[@]}" --json
  kd_assert_eq deleted "$(json_get "$out" '["Findings"][0]["Kind"]')" "$name: a deleted audit entry"
  kd_assert_eq 3 "$(json_get "$out" '["Findings"][0]["Seq"]')" "$name: which entry"
  run_kd 8 audit verify "${s[@]}"
  kd_assert_contains "$out" "deleted" "$name: the table names the damage"

  "$@" "DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)" >/dev/null
  run_kd 8 audit verify "${s[@]}"
  kd_assert_contains "$out" "truncated" "$name: truncation"
  run_kd 8 record add "$C" "${s[@]}"
  kd_assert_contains "$err" "writes are refused" "$name: no write after a truncated trail"
}

exercise sqlite "sqlite:$KD_TMP/store.db" sqlite3 "$KD_TMP/store.db"

# A throwaway cluster: initdb refuses root, so it runs as Debian's postgres user, on a free port.
pg_dir="$(mktemp -d /tmp/keydesk-it-pg.XXXXXX)"
chown postgres:postgres "$pg_dir"
port=$("$KD_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
runuser -u postgres -- "$PGBIN/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
  -o "-k $pg_dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
psql -X -q "postgresql://postgres@127.0.0.1:$port/postgres" -c "CREATE DATABASE keydesk"
pg_url="postgresql://postgres@127.0.0.1:$port/keydesk"
exercise postgresql "$pg_url" psql -X -q -v ON_ERROR_STOP=1 "$pg_url" -c

echo "test_store_cli: ok"
