// The SmartCard-HSM's state without spending anything (docs/hsm.md): SELECT (version, options), the SO-PIN
// and user PIN status queries (VERIFY without data), the device certificate's holder reference (EF 2F02)
// and the DKEK status. Runs through the read-only guard.
#pragma once

#include <optional>

#include "host/apdu_connection.h"
#include "runbook/token_snapshot.h"

namespace keydesk::runbook {

// nullopt when the token has no SmartCard-HSM applet (its SELECT answers 6A82). `counters_only`: SELECT and
// the two status queries, for reading the counters once more (the device id and DKEK state are left empty).
Result<std::optional<HsmState>> read_hsm(host::ApduConnection& card, bool counters_only = false);

}  // namespace keydesk::runbook
