// The access-control properties of a token without the ACA, assembled from PIV (host::piv::PivSession)
// without spending a try: Yubico GET METADATA (80 PIN, 81 PUK: retries and default flags) where the PIV
// version is 5.3 or later, else the empty VERIFY status query. What standard PIV cannot tell is left unknown
// with the reason.
#pragma once

#include "host/apdu_connection.h"
#include "runbook/token_snapshot.h"

namespace keydesk::runbook {

Result<AccessControl> read_piv_access_control(host::ApduConnection& connection);

}  // namespace keydesk::runbook
