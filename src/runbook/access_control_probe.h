// Reads the card PIN's access-control state without spending anything: the ACA's properties where the
// token has the applet, otherwise the same properties assembled from PIV (empty VERIFY) and Yubico
// metadata (GET METADATA 80/81), with what the token cannot tell marked unknown and why.
#pragma once

#include "host/apdu_connection.h"
#include "runbook/token_snapshot.h"

namespace keydesk::runbook {

Result<AccessControl> read_access_control(host::ApduConnection& connection);

}  // namespace keydesk::runbook
