#!/usr/bin/env bash
# `keydesk demo` on a machine with no pcscd running (the README's first command): it starts pcscd with the
# Debian vpcd configuration, starts keydesk-sim with the case-study profile on a temporary state, diagnoses
# it, and stops everything it started. Runs in the harness's private namespace (its own /run/pcscd), with
# the harness's stack NOT started, so the demo must bring up its own.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ -f "$here/lib.sh" ] || { echo "test_cli_demo: tests/integration/lib.sh is missing" >&2; exit 1; }
[ -f /etc/reader.conf.d/vpcd ] || { echo "test_cli_demo: vsmartcard-vpcd is not installed" >&2; exit 1; }
# shellcheck source=/dev/null
source "$here/lib.sh"

keydesk="$(kd_binary keydesk src/cli/keydesk)"
[ ! -e /run/pcscd/pcscd.comm ] || kd_fail "a pcscd is already running in the test's namespace"

out="$("$keydesk" demo 2>"$KD_TMP/demo.err")" || kd_fail "keydesk demo exited $?: $(cat "$KD_TMP/demo.err")"
for expected in pin-not-locked puk-not-initialized hotp-counter-suspicious fido-pin-not-set "Try next"; do
  kd_assert_contains "$out" "$expected" "keydesk demo output"
done
kd_assert_contains "$(cat "$KD_TMP/demo.err")" "starting one" "the demo says it started pcscd"
for _ in $(seq 50); do [ -e /run/pcscd/pcscd.comm ] || break; sleep 0.1; done
[ ! -e /run/pcscd/pcscd.comm ] || kd_fail "the demo left its pcscd running"

json="$("$keydesk" demo --json 2>/dev/null)" || kd_fail "keydesk demo --json failed"
KEYDESK_JSON="$json" "$KD_PY" -c '
import json, os, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.validate(json.loads(os.environ["KEYDESK_JSON"]), {"$ref": "#/$defs/demo", "$defs": schema["$defs"]})
' "$KEYDESK_SOURCE_DIR/docs/cli-json-schema.json" || kd_fail "demo --json does not match the schema"
echo "test_cli_demo: ok"
