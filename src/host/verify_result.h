// The result of presenting a PIN, PUK or cryptogram to a card applet, shared by the PIV, OATH and ACA
// sessions: a wrong value, a blocked reference or a refused input is an outcome (a value); only transport
// failures and status words the caller cannot act on are errors.
#pragma once

#include "core/result.h"
#include "iso7816/status_word.h"

namespace keydesk::host {

using iso7816::StatusWord;

struct VerifyResult {
  enum class Kind {
    kOk,
    kWrong,           // retries_left tries remain
    kBlocked,         // no tries left
    kNotInitialized,  // there is no such reference (e.g. no PUK on this token)
    kRejected,        // the card refused the input before trying it (policy, length): nothing was spent
  };
  Kind kind = Kind::kOk;
  int retries_left = -1;  // known for kWrong (and for a status query), -1 otherwise
  StatusWord sw;

  bool ok() const { return kind == Kind::kOk; }
};
// Maps the status word of VERIFY / CHANGE / RESET RETRY COUNTER / EXTERNAL AUTHENTICATE to an outcome;
// other status words (6982, 6D00, ...) are errors.
Result<VerifyResult> verify_result_from_sw(StatusWord sw, const char* context);

}  // namespace keydesk::host
