// The token's identity without side effects: the CUID from the card's CPLC (GET DATA 9F7F), the key the
// provisioning records, PUK manifests and tickets are filed under.
#pragma once

#include <string>

#include "host/apdu_connection.h"

namespace keydesk::runbook {

// 20 upper-case hex digits; kNotSupported when the token has no CPLC.
Result<std::string> read_cuid(host::ApduConnection& connection);

}  // namespace keydesk::runbook
