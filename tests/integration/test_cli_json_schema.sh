#!/usr/bin/env bash
# Every document keydesk prints with --json (src/report/documents.h builds them; a help-desk server returns
# the same) is valid against its definition in docs/cli-json-schema.json: each command once, attempts both
# right and wrong, destructive commands both refused and done, and a failure's $defs/error - on the
# case-study token through real pcscd + vpcd + keydesk-sim, judged by python3-jsonschema.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export KEYDESK_TEST_PROFILE=case-study
# shellcheck source=/dev/null
source "$here/lib.sh"

keydesk="$(kd_binary keydesk src/cli/keydesk)"
reader="$kd_reader"
docs="$KD_TMP/documents"
mkdir -p "$docs"
n=0
# doc DEF EXPECTED_EXIT ARGS...: runs keydesk --json, checks the exit code and keeps the document.
doc() {
  local def="$1" expected="$2" code=0
  shift 2
  n=$((n + 1))
  "$keydesk" --reader "$reader" --json "$@" >"$docs/$(printf '%02d' "$n").$def.json" 2>"$KD_TMP/doc.err" || code=$?
  [ "$code" = "$expected" ] ||
    kd_fail "keydesk $* exited $code, not $expected: $(cat "$docs/$(printf '%02d' "$n").$def.json" "$KD_TMP/doc.err")"
}

doc token-info 0 token-info
doc token-cuid 0 token-cuid
cuid="$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["CUID"])' "$docs/02.token-cuid.json")"
doc aca-props-get 0 aca-props-get
doc pin-verify 5 pin-verify -p 123456
doc pin-verify 0 pin-verify -p 000000
doc pin-change 0 pin-change -p 000000 -n 24681357
doc puk-put 0 puk-put -p 24681357 --puk 12345678
doc pin-reset-tries 0 pin-reset-tries --puk 12345678 -n 13572468
doc otp-props-get 0 otp-props-get
doc fido-props-get 0 fido-props-get
doc fido-cred-list 0 fido-cred-list -p 4321
doc fido-pin-change 0 fido-pin-change -n 4321
doc fido-cred-list 5 fido-cred-list -p 9999
doc fido-cred-list 0 fido-cred-list -p 4321
doc fido-pin-change 0 fido-pin-change -p 4321 -n 8765
doc diagnose 0 diagnose --symptom passkey
doc explain 0 explain 63C5 0x34 35
doc token-reset 3 token-reset
doc fido-token-reset 3 fido-token-reset --confirm-cuid 00000000000000000000
doc error 2 pin-verify -p 12
doc error 2 lockout-fix
# authenticatorReset is accepted only soon after power-up (CTAP 2.1 section 6.6).
# The sim reconnects to vpcd; pcscd may first report the old card as reset: wait until the token answers.
kd_control power-cycle >/dev/null
kd_wait_card present
for _ in $(seq 50); do "$keydesk" --reader "$reader" token-cuid >/dev/null 2>&1 && break; sleep 0.1; done
doc fido-token-reset 0 fido-token-reset --confirm-cuid "$cuid"
doc token-new 0 token-new --confirm-cuid "$cuid"

/usr/bin/python3 - "$KEYDESK_SOURCE_DIR/docs/cli-json-schema.json" "$docs" <<'EOF' || kd_fail "a --json document does not match docs/cli-json-schema.json"
import json, os, sys, jsonschema
schema = json.load(open(sys.argv[1]))
failed = 0
names = sorted(os.listdir(sys.argv[2]))
for name in names:
    definition = name.split(".")[1]
    document = json.load(open(os.path.join(sys.argv[2], name)))
    try:
        jsonschema.validate(document, {"$ref": "#/$defs/" + definition, "$defs": schema["$defs"]})
    except jsonschema.ValidationError as e:
        failed += 1
        print(f"{name}: {e.message} at {list(e.absolute_path)}", file=sys.stderr)
print(f"test_cli_json_schema: {len(names)} documents, {failed} invalid")
sys.exit(1 if failed else 0)
EOF
