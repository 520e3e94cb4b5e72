// The retry interlock: before a PIN, PUK or FIDO PIN attempt, decide from counters read without spending
// whether the attempt is safe, and check the candidate against the token's PIN policy locally, so a
// malformed PIN never reaches the card. Pure functions.
#pragma once

#include <optional>
#include <string_view>

#include "core/result.h"

namespace keydesk::runbook {

// Retries left at or below which one more wrong attempt could leave no way back: 2, or 3 when neither a
// PUK nor an XAUTH unblock path exists (a blocked PIN would then mean a destructive reset).
int attempt_floor(bool unblock_path_exists);

// ok, or kRefused saying why and that --force overrides. An unknown counter (the token cannot tell
// without spending) is refused too: the interlock never guesses.
Status check_attempt(std::string_view what, std::optional<int> remaining, bool unblock_path_exists,
                     bool force);

struct PinRule {
  int min_length = 6;
  int max_length = 8;
  bool digits_only = false;
};
// Length in bytes, printable ASCII only (a PIN typed on one keyboard layout must verify on another),
// digits only where the token's policy says so. ok or kUsage.
Status check_pin_format(std::string_view what, std::string_view pin, const PinRule& rule);

}  // namespace keydesk::runbook
