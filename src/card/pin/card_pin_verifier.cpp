#include "card/pin/card_pin_verifier.h"

#include "card/pin/presentation.h"

namespace keydesk::card::pin {
namespace sw = iso7816::sw;

ResponseApdu CardPinVerifier::verify(const CommandApdu& cmd) {
  if (cmd.p2 != 0x80) return ResponseApdu::status(sw::kIncorrectP1P2);
  // P1 = FF, no data: reset this applet's PIN-verified state (as PIV's VERIFY does, SP 800-73-4 Part 2
  // section 3.2.1), so a tool that checked a PIN can leave the card as it found it.
  if (cmd.p1 == 0xFF) {
    if (!cmd.data.empty()) return ResponseApdu::status(sw::kIncorrectData);
    verified_ = false;
    return ResponseApdu::status(sw::kOk);
  }
  if (cmd.p1 != 0x00) return ResponseApdu::status(sw::kIncorrectP1P2);
  PinReference& pin = context_.pin;
  if (!pin.initialized()) return ResponseApdu::status(sw::kDataInvalid);
  if (cmd.data.empty()) return ResponseApdu::status(status_query(pin, verified_));
  std::optional<Bytes> candidate = unpad_pin(cmd.data);
  if (!candidate) return ResponseApdu::status(sw::kIncorrectData);
  const iso7816::StatusWord result = present(pin, *candidate);
  wipe(*candidate);
  verified_ = result.ok();
  return ResponseApdu::status(result);
}

iso7816::StatusWord CardPinVerifier::check_access() const {
  if (!verified_ || context_.pin.blocked()) return sw::kSecurityNotSatisfied;
  if (context_.policy.force_change) return sw::kConditionsNotSatisfied;
  return sw::kOk;
}

}  // namespace keydesk::card::pin
