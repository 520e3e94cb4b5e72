// PIN and PUK commands of the PIV applet over the card's shared references (CardContext::pin / puk: the
// ACA uses the same PIN, one reference, one counter) and the PIN's security status in this PIV session.
#pragma once

#include "card/applet.h"
#include "card/card_context.h"
#include "card/piv/piv_defs.h"

namespace keydesk::card::piv {

class PinState {
 public:
  explicit PinState(CardContext& context) : context_(context) {}

  // VERIFY (20): 8-byte FF-padded PIN; empty = status query (spends nothing); P1=FF logs out.
  ResponseApdu verify(const CommandApdu& cmd);
  // CHANGE REFERENCE DATA (24) for the PIN (80) or PUK (81): current || new, each FF-padded to 8.
  ResponseApdu change_reference(const CommandApdu& cmd);
  // RESET RETRY COUNTER (2C): PUK || new PIN.
  ResponseApdu reset_retry_counter(const CommandApdu& cmd);

  // May an operation under `policy` run now? 9000, 6982 (verify first) or 6985 (the policy forces a PIN
  // change first). Passing with kAlways spends the fresh verification it needs.
  iso7816::StatusWord authorize(PinPolicy policy);
  bool verified() const { return verified_; }
  void forget() { verified_ = fresh_ = false; }

 private:
  // Checks both 8-byte halves of CHANGE / RESET RETRY COUNTER data, then presents the first to `ref`
  // and, when it is right, stores the second in `target`.
  ResponseApdu replace(pin::PinReference& ref, pin::PinReference& target, ByteView data);

  CardContext& context_;
  bool verified_ = false;  // PIN verified in this session (policy "once")
  bool fresh_ = false;     // no "always" operation has used the last verification yet
};

}  // namespace keydesk::card::piv
