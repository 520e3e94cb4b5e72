#!/usr/bin/env bash
# keydesk diagnose spends nothing: on every profile, the simulated token's durable state (PIN, PUK and FIDO
# retry counters, HOTP counters — everything keydesk-sim persists) is byte-identical before and after
# diagnoses with every symptom, diagnose's own counter check (CounterCheck) agrees, and diagnose --json
# validates against docs/cli-json-schema.json.
#
# Harness: tests/integration/lib.sh (isolated pcscd + vpcd + keydesk-sim; kd_start_stack per profile).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ -f "$here/lib.sh" ] || { echo "test_cli_diagnose_spends_nothing: tests/integration/lib.sh is missing" >&2; exit 1; }
# shellcheck source=/dev/null
source "$here/lib.sh"

keydesk="$(kd_binary keydesk src/cli/keydesk)"
schema="$KEYDESK_SOURCE_DIR/docs/cli-json-schema.json"

validate_diagnose() {  # JSON
  KEYDESK_JSON="$1" "$KD_PY" -c '
import json, os, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.validate(json.loads(os.environ["KEYDESK_JSON"]), {"$ref": "#/$defs/diagnose", "$defs": schema["$defs"]})
' "$schema"
}

for profile in ${KEYDESK_TEST_PROFILES:-case-study yubikey5 factory}; do
  rm -f "$KD_STATE"  # a fresh token of this profile
  kd_start_stack "$profile"
  before="$(cat "$KD_STATE")"
  for symptom in unknown windows-logon vpn otp passkey; do
    out="$("$keydesk" --reader "$kd_reader" diagnose --symptom "$symptom" --json)" ||
      kd_fail "[$profile] diagnose --symptom $symptom exited $?"
    validate_diagnose "$out" || kd_fail "[$profile] diagnose --json does not match the schema"
    outcome="$(KEYDESK_JSON="$out" "$KD_PY" -c 'import json, os; print(json.loads(os.environ["KEYDESK_JSON"])["CounterCheck"]["Outcome"])')"
    kd_assert_eq unchanged "$outcome" "[$profile] diagnose's own counter check"
    # The APDU counts docs/cli.md (Benchmark) states, checked here so the document stays true.
    apdus="$(KEYDESK_JSON="$out" "$KD_PY" -c 'import json, os; print(json.loads(os.environ["KEYDESK_JSON"])["ApdusSent"])')"
    case "$profile" in
      case-study) kd_assert_eq 13 "$apdus" "[$profile] APDUs one diagnose sends (docs/cli.md)" ;;
      yubikey5) kd_assert_eq 17 "$apdus" "[$profile] APDUs one diagnose sends (docs/cli.md)" ;;
    esac
  done
  "$keydesk" --reader "$kd_reader" -v diagnose >/dev/null 2>&1 || kd_fail "[$profile] diagnose -v failed"
  after="$(cat "$KD_STATE")"
  if [ "$before" != "$after" ]; then
    diff <(echo "$before") <(echo "$after") >&2 || true
    kd_fail "[$profile] the token's durable state changed during diagnose"
  fi
  echo "[$profile] state identical after 6 diagnoses; JSON valid"
  kd_sim_stop
  kd_pcscd_stop
done
echo "test_cli_diagnose_spends_nothing: ok"
