// keydesk's exit codes (docs/cli.md, "Exit codes"). Scripts branch on these, so they never change. The one
// place an outcome (report/outcome.h) becomes an exit code.
#pragma once

#include "core/error.h"
#include "report/outcome.h"

namespace keydesk::cli {

enum class ExitCode : int {
  kSuccess = 0,
  kDeviceError = 1,  // device, transport or any other failure
  kUsage = 2,        // bad arguments or input (nothing was sent to a token)
  kRefused = 3,      // refused by a safety interlock or the read-only guard
  kNoToken = 4,      // no reader, no token, or the token went away
  kWrongPin = 5,     // a PIN/PUK attempt failed; retries remain
  kBlocked = 6,      // the PIN, PUK or FIDO PIN is blocked (or FIDO PIN attempts are paused)
  kTimeout = 7,      // the token stopped answering within the deadline (--timeout); the outcome is unknown
  kIntegrity = 8,    // the record store failed an integrity check (changed outside keydesk)
};

ExitCode exit_code_for(report::Outcome outcome);
inline ExitCode exit_code_for(const Error& error) {
  return exit_code_for(report::outcome_of(error));
}

}  // namespace keydesk::cli
