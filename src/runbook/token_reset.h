// The card side of the destructive commands, after the CLI has shown what survives and checked the CUID.
// Each returns the steps it completed, in words.
#pragma once

#include <string>
#include <vector>

#include "host/apdu_connection.h"

namespace keydesk::runbook {

// What the PIV part of a token reset does, for the CLI to print BEFORE asking for --confirm-cuid.
inline constexpr const char* kPivResetWarning =
    "PIV reset: a YubiKey only accepts PIV RESET once its PIN and PUK are both blocked, so token-reset "
    "SPENDS EVERY REMAINING PIN TRY AND EVERY REMAINING PUK TRY ON PURPOSE (deliberately wrong values, "
    "8 x FF, which no PIN can be), then sends RESET: every PIV key, certificate and data object is deleted; "
    "PIN 123456, PUK 12345678 (3 tries each) and the default management key come back";

// Whether the token has a PIV applet (SELECT only; spends nothing).
Result<bool> has_piv(host::ApduConnection& connection);

// OATH RESET (credentials and access key), then, when the token has PIV, the Yubico PIV reset sequence:
// block the PIN with deliberately wrong values, block the PUK the same way, then PIV RESET (INS FB).
Result<std::vector<std::string>> reset_card_applets(host::ApduConnection& connection);

// The PIV part alone: the deliberate blocking of PIN and PUK, then RESET; the steps say how many tries
// each block spent.
Result<std::vector<std::string>> reset_piv(host::ApduConnection& connection);

}  // namespace keydesk::runbook
