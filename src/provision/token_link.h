// How provisioning reaches the token: the card link (one ISO 7816 connection for the whole run) and, when
// the policy sets a FIDO PIN, a FIDO session. The CLI hands in the access layer's channel opened for
// kWritesSecrets (reader, transaction, trace with secrets masked); the tests hand in the in-process token.
#pragma once

#include <string>

#include "core/result.h"
#include "host/apdu_connection.h"
#include "host/fido/fido_session.h"

namespace keydesk::provision {

class TokenLink {
 public:
  virtual ~TokenLink() = default;
  virtual Result<host::ApduConnection*> card() = 0;
  // A FIDO session usable now: over the card link (NFCCTAP) it is opened afresh on every call, because
  // opening selects the FIDO applet and the other steps select theirs. kNoToken when the token has no
  // reachable FIDO interface.
  virtual Result<host::fido::FidoSession*> fido() = 0;
  // Where the token is (reader name), for messages.
  virtual std::string where() const = 0;
};

}  // namespace keydesk::provision
