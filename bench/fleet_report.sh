#!/usr/bin/env bash
# keydesk fleet-report over N generated records (default 100 000) against the sqlite3 command-line shell
# computing the same figures with the same aggregate query (and the count by status) on the same database.
# The records are written straight into a store keydesk initialised (sqlite3, one transaction): the report
# reads aggregates and checks no record MAC, so rows without a valid MAC measure the same work. Mix: 90%
# active, 5% in stock, 5% lost; every 7th without a PUK, every 5th with a default PIN, every 3rd with a HOTP
# credential (two thirds of them exported), every 11th without a FIDO policy, every 13th with an expired
# certificate. Both sides print the same figures (checked); reports milliseconds per report on each side and
# the ratio keydesk/sqlite3 (goal: within 2x).
#
# Output (one line): records=100000 runs=5 keydesk_ms=.. sqlite3_ms=.. ratio=..
# usage: bench/fleet_report.sh [RECORDS] [RUNS]   (needs a build: KEYDESK_BUILD_DIR, default ./build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
records="${1:-100000}"
runs="${2:-5}"
build="${KEYDESK_BUILD_DIR:-$root/build}"
keydesk="$build/src/cli/keydesk"
command -v sqlite3 >/dev/null || { echo "sqlite3 is not installed" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
db="$tmp/store.db"
export LOGNAME=bench KEYDESK_STORE="sqlite:$db"
"$keydesk" store init --master-key "file:$tmp/master.key" >/dev/null

sqlite3 "$db" <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $records)
INSERT INTO tokens (cuid, cuid_source, serial, status, pin_method, puk_method, fido_policy, provisioning,
                    user_name, version, created_at, updated_at, mac)
SELECT printf('4090%016X', i), 'cplc', i,
       CASE WHEN i % 20 = 0 THEN 'in-stock' WHEN i % 20 = 1 THEN 'lost' ELSE 'active' END,
       CASE WHEN i % 5 = 0 THEN 'default-no-force-change' ELSE 'random-delivered' END,
       'random-per-token', CASE WHEN i % 11 = 0 THEN '' ELSE 'pin-8' END,
       CASE WHEN i % 997 = 0 THEN 'pending' ELSE 'confirmed' END,
       'user' || i, 1, '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z', x'00'
FROM n;
INSERT INTO token_secrets (cuid, field, sealed, sealed_at)
  SELECT cuid, 'puk', x'00', '2026-11-01T00:00:00Z' FROM tokens WHERE CAST(serial AS INTEGER) % 7 <> 0;
INSERT INTO oath_credentials (cuid, name, type, algorithm, digits, counter)
  SELECT cuid, 'vpn', 'hotp', 'SHA1', 6, 0 FROM tokens WHERE CAST(serial AS INTEGER) % 3 = 0;
INSERT INTO provisioning_journal (cuid, step, at, operator)
  SELECT cuid, 'r1/oath-export:done', '2026-11-01T00:00:00Z', 'bench' FROM tokens WHERE CAST(serial AS INTEGER) % 9 <> 0;
INSERT INTO piv_certificates (cuid, slot, not_after)
  SELECT cuid, '9a', CASE WHEN CAST(serial AS INTEGER) % 13 = 0 THEN '2026-01-01T00:00:00Z' ELSE '2028-01-01T00:00:00Z' END FROM tokens;
COMMIT;
SQL

# The query keydesk runs (src/store/sql_record_store.cpp, kFleetQuery), read from the source so the two
# sides cannot drift apart, with $1 bound to the same time.
now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
query="$(/usr/bin/python3 - "$root/src/store/sql_record_store.cpp" "$now" <<'PY'
import re, sys
src = open(sys.argv[1]).read()
q = re.search(r'kFleetQuery = R"sql\((.*?)\)sql"', src, re.S).group(1)
print(q.replace("$1", "'" + sys.argv[2] + "'") + ";\nSELECT status, count(*) FROM tokens GROUP BY status;")
PY
)"

now_ms() { date +%s%3N; }
start=$(now_ms)
for _ in $(seq "$runs"); do "$keydesk" fleet-report --json >"$tmp/kd.json"; done
kd_ms=$(($(now_ms) - start))
start=$(now_ms)
for _ in $(seq "$runs"); do sqlite3 "$db" "$query" >"$tmp/sq.txt"; done
sq_ms=$(($(now_ms) - start))

/usr/bin/python3 - "$tmp/kd.json" "$tmp/sq.txt" "$records" "$runs" "$kd_ms" "$sq_ms" <<'PY'
import json, sys
kd = json.load(open(sys.argv[1]))
first = open(sys.argv[2]).read().splitlines()[0].split("|")
ours = [kd["Records"], kd["InService"], kd["Gaps"]["WithoutPuk"]["Records"], kd["Gaps"]["DefaultPin"]["Records"],
        kd["Gaps"]["OathNotAligned"]["Records"], kd["Gaps"]["WithoutFidoPolicy"]["Records"],
        kd["ProvisioningPending"], kd["ExpiredCertificates"]]
theirs = [int(x) for x in first]
if ours != theirs:
    sys.exit(f"the figures differ: keydesk {ours}, sqlite3 {theirs}")
records, runs, kd_ms, sq_ms = map(int, sys.argv[3:])
print(f"records={records} runs={runs} keydesk_ms={kd_ms / runs:.1f} sqlite3_ms={sq_ms / runs:.1f} "
      f"ratio={kd_ms / max(sq_ms, 1):.2f} figures={ours}")
PY
