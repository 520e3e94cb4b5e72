#!/usr/bin/env bash
# Record store operations per second on SQLite and PostgreSQL, each set against what the machine can do:
#  - the disk's durable commit rate (pg_test_fsync: one 8 kB write + fdatasync), the physical limit of any
#    audited write (each is one durable transaction);
#  - a peer doing the equivalent work on the same disk, just before and just after keydesk: sqlite3 running one
#    "BEGIN IMMEDIATE; UPDATE; COMMIT" per write (WAL, synchronous=FULL, as keydesk) or the same SELECTs
#    get_record runs; pgbench running one UPDATE per transaction (1 and 4 clients), or those SELECTs;
#  - the fleet report's aggregate over 100 000 records against sqlite3 / pgbench running the same query.
# Ratios, not timings, are the result: the machine is shared, the ratios hold across loads.
#   KEYDESK_BUILD_DIR=build bash bench/run_store.sh
#   (KEYDESK_BENCH_SECONDS=3 per measurement, KEYDESK_BENCH_ROUNDS=3 rounds per row; about 7 minutes)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${KEYDESK_BUILD_DIR:-$root/build}"
bench="$build/bench/bench_store"
secs="${KEYDESK_BENCH_SECONDS:-3}"
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
mean() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (a + b) / 2 }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
rounds="${KEYDESK_BENCH_ROUNDS:-3}"
# pair LABEL NOTE PEER_FUNCTION KEYDESK_COMMAND...: in each round the peer runs just before and just after
# keydesk, and keydesk is set against the mean of the two, so a change of load or disk speed shows on both
# sides instead of in the ratio. The row holds the medians over the rounds (the ratio is the median ratio).
pair() {
  local label=$1 note=$2 peer=$3
  shift 3
  local before after mine ratios=() mines=() peers=()
  for ((r = 0; r < rounds; r++)); do
    before=$($peer)
    mine=$("$@" | per_second)
    after=$($peer)
    mines+=("$mine")
    peers+=("$(mean "$before" "$after")")
    ratios+=("$(ratio "$mine" "$(mean "$before" "$after")")")
  done
  rows+=("$(printf '%-34s %10.1f %10.1f %7s   %s' "$label" "$(median "${mines[@]}")" "$(median "${peers[@]}")" \
    "$(median "${ratios[@]}")" "$note (ratios: ${ratios[*]})")")
  last_keydesk=$(median "${mines[@]}")
}
disk_rate() { "$PGBIN/pg_test_fsync" -s 1 -f "$work/fsync.test" | awk '/fdatasync/ && /ops\/sec/ { print $2; exit }'; }

cuid_of() { printf '4090BE0C00000000%04X' "$1"; }  # bench_store's record_cuid()

echo "measuring the disk's durable commit rate (pg_test_fsync)..." >&2
disk_before=$(disk_rate)

# ---------------------------------------------------------------------------------------------- SQLite
echo "SQLite..." >&2
surl="sqlite:$work/store.db"
skey="file:$work/master.key"
"$bench" "$surl" "$skey" setup 100

# sqlite3: one durable UPDATE transaction per write, with keydesk's settings (WAL, synchronous=FULL).
{
  echo "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
  echo "CREATE TABLE peer (id INTEGER PRIMARY KEY, counter INTEGER NOT NULL);"
  echo "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 100) INSERT INTO peer SELECT i, 0 FROM s;"
} | sqlite3 "$work/peer.db" >/dev/null
write_script() {  # N: N durable transactions
  echo "PRAGMA synchronous = FULL;"
  for ((i = 0; i < $1; i++)); do echo "BEGIN IMMEDIATE; UPDATE peer SET counter = counter + 1 WHERE id = $((i % 100 + 1)); COMMIT;"; done
}
write_script 200 >"$work/peer-update.sql"
t0=$(now); sqlite3 "$work/peer.db" <"$work/peer-update.sql" >/dev/null; t1=$(now)
# As many transactions as take about $secs at the rate just seen.
n_write=$(awk -v r="$(rate 200 "$t0" "$t1")" -v s="$secs" 'BEGIN { n = int(r * s); print (n < 200 ? 200 : n) }')
write_script "$n_write" >"$work/peer-update.sql"
sq_peer_write() { local t0 t1; t0=$(now); sqlite3 "$work/peer.db" <"$work/peer-update.sql" >/dev/null; t1=$(now); rate "$n_write" "$t0" "$t1"; }
# sqlite3: the five SELECTs get_record runs, one record after another.
n_read=5000
for ((i = 0; i < n_read; i++)); do
  c=$(cuid_of $((i % 100)))
  echo "SELECT cuid, cuid_source, serial, model, atr, status, status_reason, status_operator, status_changed_at, provisioning, user_name, employee_id, email, provisioned_at, provisioned_by, pin_method, puk_method, admin_key_method, admin_key_check, fido_policy, version, created_at, updated_at, mac FROM tokens WHERE cuid = '$c';"
  echo "SELECT slot, subject, serial, not_after FROM piv_certificates WHERE cuid = '$c' ORDER BY slot;"
  echo "SELECT name, type, algorithm, digits, counter, period, pskc_ref FROM oath_credentials WHERE cuid = '$c' ORDER BY name;"
  echo "SELECT field, sealed FROM token_secrets WHERE cuid = '$c' ORDER BY field;"
  echo "SELECT details FROM audit_log WHERE subject = '$c' ORDER BY seq DESC LIMIT 1;"
done >"$work/peer-read.sql"
sq_peer_read() { local t0 t1; t0=$(now); sqlite3 "$work/store.db" <"$work/peer-read.sql" >/dev/null; t1=$(now); rate "$n_read" "$t0" "$t1"; }

w="sqlite3 BEGIN IMMEDIATE;UPDATE;COMMIT"
pair "SQLite set_status (audited)" "$w" sq_peer_write "$bench" "$surl" "$skey" status "$secs"
sq_status=$last_keydesk
pair "SQLite HOTP counter CAS (audited)" "$w" sq_peer_write "$bench" "$surl" "$skey" counter "$secs"
pair "SQLite read_secret (audited)" "$w" sq_peer_write "$bench" "$surl" "$skey" secret "$secs"
pair "SQLite get_record" "sqlite3, the same 5 SELECTs" sq_peer_read "$bench" "$surl" "$skey" read "$secs"

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
pg_peer_write_1() { pgb -f "$work/update.sql" -c 1 -j 1 -T "$secs"; }
pg_peer_write_4() { pgb -f "$work/update.sql" -c 4 -j 4 -T "$secs"; }
pg_peer_read_1() { pgb -f "$work/read.sql" -c 1 -j 1 -T "$secs"; }
pg_peer_read_4() { pgb -f "$work/read.sql" -c 4 -j 4 -T "$secs"; }
for c in 1 4; do
  w="pgbench UPDATE, $c client(s)"
  pair "PG set_status, $c client(s)" "$w" "pg_peer_write_$c" "$bench" "$purl" "$pkey" status "$secs" "$c"
  [ "$c" = 1 ] && pg_status=$last_keydesk
  pair "PG HOTP counter CAS, $c client(s)" "$w" "pg_peer_write_$c" "$bench" "$purl" "$pkey" counter "$secs" "$c"
  pair "PG read_secret, $c client(s)" "$w" "pg_peer_write_$c" "$bench" "$purl" "$pkey" secret "$secs" "$c"
  pair "PG get_record, $c client(s)" "pgbench, the same 5 SELECTs" "pg_peer_read_$c" "$bench" "$purl" "$pkey" read "$secs" "$c"
done
disk_after=$(disk_rate)
disk=$(mean "$disk_before" "$disk_after")
row "SQLite set_status vs the disk" "$sq_status" "$disk" "pg_test_fsync fdatasync (before/after)"
row "PG set_status vs the disk" "$pg_status" "$disk" "pg_test_fsync fdatasync (before/after)"

# ------------------------------------------------------------------------- fleet report over 100 000
echo "fleet report aggregate over 100 000 records..." >&2
fill_status="CASE i % 10 WHEN 0 THEN 'in-stock' WHEN 1 THEN 'suspended' WHEN 2 THEN 'lost' WHEN 3 THEN 'decommissioned' ELSE 'active' END"
sqlite3 "$work/store.db" "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 99899)
  INSERT INTO tokens (cuid, cuid_source, status, version, created_at, updated_at, mac)
  SELECT printf('5A%018d', i), 'cplc', $fill_status, 1, '', '', X'00' FROM s;"
psql -X -q "$purl" -c "INSERT INTO tokens (cuid, cuid_source, status, version, created_at, updated_at, mac)
  SELECT '5A' || lpad(i::text, 18, '0'), 'cplc', $fill_status, 1, '', '', '\\x00' FROM generate_series(0, 99899) i" >/dev/null
psql -X -q "$purl" -c "ANALYZE" >/dev/null
n_count=40
for ((i = 0; i < n_count; i++)); do echo "SELECT status, count(*) FROM tokens GROUP BY status;"; done >"$work/count.sql"
sq_peer_count() { local t0 t1; t0=$(now); sqlite3 "$work/store.db" <"$work/count.sql" >/dev/null; t1=$(now); rate "$n_count" "$t0" "$t1"; }
echo "SELECT status, count(*) FROM tokens GROUP BY status;" >"$work/count-pg.sql"
pg_peer_count() { pgb -f "$work/count-pg.sql" -c 1 -j 1 -T "$secs"; }
pair "SQLite count_by_status, 100k" "sqlite3, the same GROUP BY" sq_peer_count "$bench" "$surl" "$skey" count "$secs"
pair "PG count_by_status, 100k" "pgbench, the same GROUP BY" pg_peer_count "$bench" "$purl" "$pkey" count "$secs"

echo
printf '%-34s %10s %10s %7s   %s\n' "operation" "keydesk/s" "peer/s" "ratio" "peer"
printf '%s\n' "${rows[@]}"
echo "disk durable commits: $disk_before/s before, $disk_after/s after (pg_test_fsync, one 8 kB write + fdatasync); load: $(cut -d' ' -f1-3 /proc/loadavg)"
