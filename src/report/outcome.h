// The one classification of how an operation ended, from its typed error or its outcome value. The CLI maps
// it to exit codes (cli/exit_codes.h), the help-desk server to HTTP statuses: each in one place.
#pragma once

#include "core/error.h"
#include "runbook/diagnosis.h"
#include "runbook/pin_operations.h"

namespace keydesk::report {

enum class Outcome {
  kSuccess,
  kDeviceError,  // the device, the transport or anything else failed
  kUsage,        // bad arguments or input: nothing was sent to a token
  kRefused,      // a safety interlock or the read-only guard refused
  kNoToken,      // no reader, no token, or the token went away
  kWrongPin,     // a PIN/PUK/FIDO PIN attempt failed; retries remain
  kBlocked,      // the PIN, PUK or FIDO PIN is blocked (or FIDO PIN attempts are paused)
  kTimeout,      // the token stopped answering within the deadline: what it did is unknown
  kIntegrity,    // the record store failed an integrity check (changed outside keydesk)
};
const char* outcome_name(Outcome outcome);  // "success", "device-error", "wrong-pin", ...

// A status word or CTAP status carried by the error counts: 63Cx wrong PIN, 6983 / 63C0 / CTAP 0x32, 0x34
// blocked, CTAP 0x31 wrong PIN.
Outcome outcome_of(const Error& error);
Outcome outcome_of(runbook::AttemptOutcome attempt);
// A diagnosis succeeded when every probe reached the token; else it is the first probe's link failure.
Outcome outcome_of(const runbook::Diagnosis& diagnosis);

}  // namespace keydesk::report
