// The SmartCard-HSM's state without spending anything (docs/hsm.md): SELECT (version, options), the SO-PIN
// and user PIN status queries (VERIFY without data), the device certificate's holder reference (EF 2F02)
// and the DKEK status. Runs through the read-only guard.
#pragma once

#include <optional>

#include "host/apdu_connection.h"
#include "runbook/token_snapshot.h"

namespace keydesk::runbook {

// nullopt when the token has no SmartCard-HSM applet (its SELECT answers 6A82).
Result<std::optional<HsmState>> read_hsm(host::ApduConnection& card);

}  // namespace keydesk::runbook
