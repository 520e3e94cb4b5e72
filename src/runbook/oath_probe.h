// Reads the OATH credentials and their properties without calculating anything (a HOTP calculation would
// advance its counter): keydesk's property extension where the token has it, plain LIST otherwise.
#pragma once

#include "host/apdu_connection.h"
#include "runbook/token_snapshot.h"

namespace keydesk::runbook {

Result<OathState> read_oath(host::ApduConnection& connection);

}  // namespace keydesk::runbook
