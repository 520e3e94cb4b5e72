// The SmartCard-HSM documents of docs/cli-json-schema.json: $defs/hsmState (also diagnose's "Hsm"),
// $defs/hsm-status and $defs/hsmAttempt (hsm-init, hsm-pin-unblock, hsm-so-pin-change).
#pragma once

#include "report/snapshot_json.h"
#include "runbook/hsm_operations.h"
#include "runbook/token_snapshot.h"

namespace keydesk::report {

ojson hsm_state_json(const runbook::HsmState& hsm);
// hsm-status: the state, its findings and the counters read twice.
ojson hsm_status_json(const runbook::HsmState& hsm, const std::vector<runbook::Finding>& findings,
                      const runbook::CounterCheck& check, uint64_t apdus_sent);
ojson hsm_attempt_json(const runbook::HsmAttemptReport& attempt);

}  // namespace keydesk::report
