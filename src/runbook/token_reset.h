// The card side of the destructive commands, after the CLI has shown what survives and checked the CUID.
// Each returns the steps it completed, in words.
#pragma once

#include <string>
#include <vector>

#include "host/apdu_connection.h"

namespace keydesk::runbook {

// OATH RESET (credentials and access key). PIV's reset (keys, certificates, PIN/PUK to defaults) joins
// when the PIV applet and host/piv_session land; until then the steps say what was not reset.
Result<std::vector<std::string>> reset_card_applets(host::ApduConnection& connection);
}  // namespace keydesk::runbook
