#!/usr/bin/env bash
# Record store operations per second on SQLite and PostgreSQL, each set against what the machine can do:
#  - the disk's durable commit rate (pg_test_fsync: one 8 kB write + fdatasync), the physical limit of any
#    audited write (each is one durable transaction);
#  - a peer doing the equivalent work on the same disk in the same run: sqlite3 running one
#    "BEGIN IMMEDIATE; UPDATE; COMMIT" per write (WAL, synchronous=FULL, as keydesk) or the same SELECTs
#    get_record runs; pgbench running one UPDATE per transaction (1 and 4 clients), or those SELECTs;
#  - the fleet report's aggregate over 100 000 records against sqlite3 / pgbench running the same query.
# Ratios, not timings, are the result: the machine is shared, the ratios hold across loads.
#   KEYDESK_BUILD_DIR=build bash bench/run_store.sh        (KEYDESK_BENCH_SECONDS=5 per measurement)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${KEYDESK_BUILD_DIR:-$root/build}"
bench="$build/bench/bench_store"
secs="${KEYDESK_BENCH_SECONDS:-5}"
[ -x "$bench" ] || { echo "build bench_store first (cmake --build $build --target bench_store)" >&2; exit 1; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

# On the disk (not tmpfs): durable commits are what is measured.
work=$(mktemp -d "${KEYDESK_BENCH_DIR:-/var/tmp}/kdbench.XXXXXX")
chmod 711 "$work"  # the postgres user runs the cluster in a subdirectory
pg_started=""
cleanup() {
  if [ -n "$pg_started" ]; then as_pg "$PGBIN/pg_ctl" -D "$work/pg/data" -m fast -w stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.1f", n / (b - a) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
per_second() { sed -n 's/.*per_second=\([0-9.]*\).*/\1/p'; }
rows=()
row() { rows+=("$(printf '%-34s %10.1f %10.1f %7s   %s' "$1" "$2" "$3" "$(ratio "$2" "$3")" "$4")"); }

cuid_of() { printf '4090BE0C00000000%04X' "$1"; }  # bench_store's record_cuid()

echo "measuring the disk's durable commit rate (pg_test_fsync)..." >&2
disk=$("$PGBIN/pg_test_fsync" -s 2 -f "$work/fsync.test" | awk '/fdatasync/ && /ops\/sec/ { print $2; exit }')

# ---------------------------------------------------------------------------------------------- SQLite
echo "SQLite..." >&2
surl="sqlite:$work/store.db"
skey="file:$work/master.key"
"$bench" "$surl" "$skey" setup 100
declare -A sq
for op in status counter secret read; do sq[$op]=$("$bench" "$surl" "$skey" $op "$secs" | per_second); done

# sqlite3: one durable UPDATE transaction per write, the same settings as keydesk's connection.
n=400
{
  echo "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
  echo "CREATE TABLE peer (id INTEGER PRIMARY KEY, counter INTEGER NOT NULL);"
  echo "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 100) INSERT INTO peer SELECT i, 0 FROM s;"
} | sqlite3 "$work/peer.db" >/dev/null
{
  echo "PRAGMA synchronous = FULL;"
  for ((i = 0; i < n; i++)); do echo "BEGIN IMMEDIATE; UPDATE peer SET counter = counter + 1 WHERE id = $((i % 100 + 1)); COMMIT;"; done
} >"$work/peer-update.sql"
t0=$(now); sqlite3 "$work/peer.db" <"$work/peer-update.sql" >/dev/null; t1=$(now)
sq_peer_write=$(rate "$n" "$t0" "$t1")
# sqlite3: the five SELECTs get_record runs, one record after another.
n=3000
for ((i = 0; i < n; i++)); do
  c=$(cuid_of $((i % 100)))
  echo "SELECT cuid, cuid_source, serial, model, atr, status, status_reason, status_operator, status_changed_at, provisioning, user_name, employee_id, email, provisioned_at, provisioned_by, pin_method, puk_method, admin_key_method, admin_key_check, fido_policy, version, created_at, updated_at, mac FROM tokens WHERE cuid = '$c';"
  echo "SELECT slot, subject, serial, not_after FROM piv_certificates WHERE cuid = '$c' ORDER BY slot;"
  echo "SELECT name, type, algorithm, digits, counter, period, pskc_ref FROM oath_credentials WHERE cuid = '$c' ORDER BY name;"
  echo "SELECT field, sealed FROM token_secrets WHERE cuid = '$c' ORDER BY field;"
  echo "SELECT details FROM audit_log WHERE subject = '$c' ORDER BY seq DESC LIMIT 1;"
done >"$work/peer-read.sql"
t0=$(now); sqlite3 "$work/store.db" <"$work/peer-read.sql" >/dev/null; t1=$(now)
sq_peer_read=$(rate "$n" "$t0" "$t1")

row "SQLite set_status (audited)" "${sq[status]}" "$sq_peer_write" "sqlite3 BEGIN IMMEDIATE;UPDATE;COMMIT"
row "SQLite HOTP counter CAS (audited)" "${sq[counter]}" "$sq_peer_write" "sqlite3 BEGIN IMMEDIATE;UPDATE;COMMIT"
row "SQLite read_secret (audited)" "${sq[secret]}" "$sq_peer_write" "sqlite3 BEGIN IMMEDIATE;UPDATE;COMMIT"
row "SQLite get_record" "${sq[read]}" "$sq_peer_read" "sqlite3, the same 5 SELECTs"
row "SQLite set_status vs the disk" "${sq[status]}" "$disk" "pg_test_fsync fdatasync"

# ------------------------------------------------------------------------------------------ PostgreSQL
echo "PostgreSQL (fsync on, synchronous_commit on)..." >&2
mkdir -p "$work/pg"
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$work/pg"
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg "$PGBIN/initdb" -D "$work/pg/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w -t 60 \
  -o "-k $work/pg -p $port -c listen_addresses=127.0.0.1" start >/dev/null
pg_started=1
base="postgresql://postgres@127.0.0.1:$port"
psql -X -q "$base/postgres" -c "CREATE DATABASE keydesk" >/dev/null
purl="$base/keydesk"
pkey="file:$work/pg-master.key"
"$bench" "$purl" "$pkey" setup 100
declare -A pg
for threads in 1 4; do
  for op in status counter secret read; do pg[$op.$threads]=$("$bench" "$purl" "$pkey" $op "$secs" "$threads" | per_second); done
done
psql -X -q "$purl" -c "CREATE TABLE peer (id INTEGER PRIMARY KEY, counter BIGINT NOT NULL); INSERT INTO peer SELECT i, 0 FROM generate_series(1, 100) i" >/dev/null
printf '\\set id random(1, 100)\nUPDATE peer SET counter = counter + 1 WHERE id = :id;\n' >"$work/update.sql"
{
  printf '\\set id random(0, 99)\n'
  printf "SELECT cuid, cuid_source, serial, model, atr, status, status_reason, status_operator, status_changed_at, provisioning, user_name, employee_id, email, provisioned_at, provisioned_by, pin_method, puk_method, admin_key_method, admin_key_check, fido_policy, version, created_at, updated_at, mac FROM tokens WHERE cuid = '4090BE0C00000000' || lpad(upper(to_hex(:id::int)), 4, '0');\n"
  printf "SELECT slot, subject, serial, not_after FROM piv_certificates WHERE cuid = '4090BE0C00000000' || lpad(upper(to_hex(:id::int)), 4, '0') ORDER BY slot;\n"
  printf "SELECT name, type, algorithm, digits, counter, period, pskc_ref FROM oath_credentials WHERE cuid = '4090BE0C00000000' || lpad(upper(to_hex(:id::int)), 4, '0') ORDER BY name;\n"
  printf "SELECT field, sealed FROM token_secrets WHERE cuid = '4090BE0C00000000' || lpad(upper(to_hex(:id::int)), 4, '0') ORDER BY field;\n"
  printf "SELECT details FROM audit_log WHERE subject = '4090BE0C00000000' || lpad(upper(to_hex(:id::int)), 4, '0') ORDER BY seq DESC LIMIT 1;\n"
} >"$work/read.sql"
pgb() { pgbench -n -M prepared -h 127.0.0.1 -p "$port" -U postgres "$@" keydesk 2>/dev/null | awk '/^tps/ { print $3; exit }'; }
for threads in 1 4; do
  pg_peer_write[$threads]=$(pgb -f "$work/update.sql" -c "$threads" -j "$threads" -T "$secs")
  pg_peer_read[$threads]=$(pgb -f "$work/read.sql" -c "$threads" -j "$threads" -T "$secs")
done
for threads in 1 4; do
  row "PG set_status, $threads client(s)" "${pg[status.$threads]}" "${pg_peer_write[$threads]}" "pgbench UPDATE, $threads client(s)"
  row "PG HOTP counter CAS, $threads client(s)" "${pg[counter.$threads]}" "${pg_peer_write[$threads]}" "pgbench UPDATE, $threads client(s)"
  row "PG read_secret, $threads client(s)" "${pg[secret.$threads]}" "${pg_peer_write[$threads]}" "pgbench UPDATE, $threads client(s)"
  row "PG get_record, $threads client(s)" "${pg[read.$threads]}" "${pg_peer_read[$threads]}" "pgbench, the same 5 SELECTs"
done
row "PG set_status vs the disk" "${pg[status.1]}" "$disk" "pg_test_fsync fdatasync"

# ------------------------------------------------------------------------- fleet report over 100 000
echo "fleet report aggregate over 100 000 records..." >&2
fill_status="CASE i % 10 WHEN 0 THEN 'in-stock' WHEN 1 THEN 'suspended' WHEN 2 THEN 'lost' WHEN 3 THEN 'decommissioned' ELSE 'active' END"
sqlite3 "$work/store.db" "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 99899)
  INSERT INTO tokens (cuid, cuid_source, status, version, created_at, updated_at, mac)
  SELECT printf('5A%018d', i), 'cplc', $fill_status, 1, '', '', X'00' FROM s;"
psql -X -q "$purl" -c "INSERT INTO tokens (cuid, cuid_source, status, version, created_at, updated_at, mac)
  SELECT '5A' || lpad(i::text, 18, '0'), 'cplc', $fill_status, 1, '', '', '\\x00' FROM generate_series(0, 99899) i" >/dev/null
psql -X -q "$purl" -c "ANALYZE" >/dev/null
sq_count=$("$bench" "$surl" "$skey" count "$secs" | per_second)
n=40
for ((i = 0; i < n; i++)); do echo "SELECT status, count(*) FROM tokens GROUP BY status;"; done >"$work/count.sql"
t0=$(now); sqlite3 "$work/store.db" <"$work/count.sql" >/dev/null; t1=$(now)
sq_peer_count=$(rate "$n" "$t0" "$t1")
pg_count=$("$bench" "$purl" "$pkey" count "$secs" | per_second)
echo "SELECT status, count(*) FROM tokens GROUP BY status;" >"$work/count-pg.sql"
pg_peer_count=$(pgb -f "$work/count-pg.sql" -c 1 -j 1 -T "$secs")
row "SQLite count_by_status, 100k" "$sq_count" "$sq_peer_count" "sqlite3, the same GROUP BY"
row "PG count_by_status, 100k" "$pg_count" "$pg_peer_count" "pgbench, the same GROUP BY"

echo
printf '%-34s %10s %10s %7s   %s\n' "operation" "keydesk/s" "peer/s" "ratio" "peer"
printf '%s\n' "${rows[@]}"
echo "disk durable commits: $disk/s (pg_test_fsync, one 8 kB write + fdatasync); load: $(cut -d' ' -f1-3 /proc/loadavg)"
