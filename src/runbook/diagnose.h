// keydesk diagnose: the read-only part of the runbook (detect, CUID, access control and PIV state, OATH
// credentials, FIDO state) as one snapshot. The card connection given here must be the guarded one; the
// FIDO reader must sit behind the same read-only CTAP rule - runbook/diagnosis.h takes both from a read-only
// access::Channel. A probe that fails is recorded and the others still run: a diagnosis reports what it
// could see.
#pragma once

#include "host/apdu_connection.h"
#include "runbook/token_snapshot.h"

namespace keydesk::runbook {

// The FIDO side of a diagnosis: getInfo and, where a PIN is set, getPINRetries — nothing that carries a
// PIN (docs/cli.md, "The read-only guard"). Implemented over a Channel's FIDO session (runbook/fido_probe.h).
class FidoStateReader {
 public:
  virtual ~FidoStateReader() = default;
  virtual FidoState read() = 0;  // never fails: an unreachable FIDO interface is a state with a reason
  // The same state read once more, for the counter check at the end of a diagnosis: through the session
  // read() opened where it is still open (no new connection), else like read().
  virtual FidoState read_again() { return read(); }
};

TokenSnapshot take_snapshot(TokenIdentity identity, int tokens_present, host::ApduConnection* guarded_card,
                            FidoStateReader* fido);

// The counters of `before` read once more, through the same guarded links, for check_counters
// (runbook/counter_check.h): FIDO first where it was reachable (its session is still open, and over
// NFCCTAP its applet still selected, as take_snapshot reads it last), then access control, then OATH only
// where `before` saw a HOTP counter. Identity and CUID are not read again.
TokenSnapshot reread_counters(const TokenSnapshot& before, host::ApduConnection* guarded_card,
                              FidoStateReader* fido);

}  // namespace keydesk::runbook
