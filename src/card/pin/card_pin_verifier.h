// ISO 7816-4 VERIFY against the card PIN (CardContext::pin) with the PIV counter semantics, for applets
// other than PIV that accept the shared PIN (OATH, ACA). Each applet keeps its own "verified" flag:
// verification is per applet and ends with the applet's session (docs/keydesk-sim.md, "Application
// sessions": another applet's selection, a reset or power cycle, and for OATH any SELECT).
#pragma once

#include "card/card_context.h"
#include "iso7816/apdu.h"

namespace keydesk::card::pin {

class CardPinVerifier {
 public:
  explicit CardPinVerifier(CardContext& context) : context_(context) {}

  // VERIFY data: the PIN, optionally right-padded with FF to 8 bytes (the PIV encoding).
  // Empty data asks for the status without spending a try: 9000 verified, 63Cx not yet, 6983 blocked.
  // A wrong PIN decrements (63Cx), a right one restores the counter, 0 tries left answers 6983.
  ResponseApdu verify(const CommandApdu& cmd);
  bool verified() const { return verified_; }
  // PIN-protected operations: 6982 until VERIFY succeeded, 6985 while the policy forces a PIN change.
  iso7816::StatusWord check_access() const;
  void forget() { verified_ = false; }

 private:
  CardContext& context_;
  bool verified_ = false;
};

}  // namespace keydesk::card::pin
