// keydesk diagnose: the read-only part of the runbook (detect, CUID, access control and PIV state, OATH
// credentials, FIDO state) as one snapshot. The card connection given here must be the guarded one; the
// FIDO reader must sit behind the same ReadOnlyCtapPolicy. A probe that fails is recorded and the others
// still run: a diagnosis reports what it could see.
#pragma once

#include "host/apdu_connection.h"
#include "runbook/token_snapshot.h"

namespace keydesk::runbook {

// The FIDO side of a diagnosis: getInfo, getPINRetries and, only where getInfo said clientPin=false,
// the PIN_NOT_SET probe. Implemented over libfido2 (host/fido) or absent.
class FidoStateReader {
 public:
  virtual ~FidoStateReader() = default;
  virtual FidoState read() = 0;  // never fails: an unreachable FIDO interface is a state with a reason
};

TokenSnapshot take_snapshot(TokenIdentity identity, int tokens_present, host::ApduConnection* guarded_card,
                            FidoStateReader* fido);

}  // namespace keydesk::runbook
