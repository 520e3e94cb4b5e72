// keydesk diagnose as one library call: the read-only snapshot of a token, the counters read once more and
// compared ("nothing was spent - checked"), the findings, and which PIN the user's symptom points to. The
// CLI renders it as tables, report/ as the JSON document; a help-desk request gets the same.
#pragma once

#include <vector>

#include "access/channel.h"
#include "runbook/counter_check.h"
#include "runbook/findings.h"
#include "runbook/token_snapshot.h"

namespace keydesk::runbook {

struct Diagnosis {
  Symptom symptom = Symptom::kUnknown;
  TokenSnapshot snapshot;  // what the probes read
  TokenSnapshot again;     // the counters read once more at the end
  CounterCheck check;
  std::vector<Finding> findings;
  PinPointer pin;
  uint64_t apdus_sent = 0;  // commands that reached the token over the card link
};

// Runs on a read-only channel only (kRefused otherwise): every probe goes through the read-only guard and
// the read-only CTAP rule. A probe that fails is recorded in the snapshot and the others still run; only a
// failure to open the card link at all is an error. `tokens_present`: how many tokens the caller saw.
Result<Diagnosis> diagnose(access::Channel& channel, int tokens_present, Symptom symptom);

}  // namespace keydesk::runbook
