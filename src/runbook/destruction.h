// The destructive operations (token-new, token-reset, fido-token-reset) as one flow: read the token's CUID
// (and, for the card applets, whether PIV's reset sequence will spend every PIN and PUK try), run only when
// the caller confirmed that CUID, then wipe. A missing or wrong confirmation is an outcome in the report
// (nothing was done), so the caller can still show what would have been kept and wiped.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/channel.h"

namespace keydesk::runbook {

enum class Wipe { kCardApplets, kFido };

struct DestructionReport {
  std::string operation;  // the operation's row in runbook/survival.h ("token-reset", "fido-token-reset")
  std::string cuid;
  std::optional<bool> spends_all_pin_and_puk_tries;  // card applets only: PIV is there (kPivResetWarning)
  std::optional<Error> refused;                      // the confirmation was missing or wrong: nothing done
  std::vector<std::string> steps;                    // what the wipe did, in words
  bool done() const { return !refused; }
};

// Runs on a kDestroysData channel only (kRefused otherwise).
Result<DestructionReport> destroy(access::Channel& channel, std::string_view operation, Wipe wipe,
                                  const std::optional<std::string>& confirm_cuid);

}  // namespace keydesk::runbook
