#include "card/pin/card_pin_verifier.h"

namespace keydesk::card::pin {
namespace sw = iso7816::sw;

namespace {
constexpr size_t kMaxPinField = 16;
}

std::optional<Bytes> unpad_pin(ByteView field) {
  size_t n = field.size();
  while (n > 0 && field[n - 1] == 0xFF) --n;
  if (n == 0 || field.size() > kMaxPinField) return std::nullopt;
  return Bytes(field.begin(), field.begin() + static_cast<std::ptrdiff_t>(n));
}

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
  if (cmd.data.empty()) {
    if (pin.blocked()) return ResponseApdu::status(sw::kAuthBlocked);
    return ResponseApdu::status(verified_ ? sw::kOk : sw::retries_left(pin.remaining()));
  }
  std::optional<Bytes> candidate = unpad_pin(cmd.data);
  if (!candidate) return ResponseApdu::status(sw::kIncorrectData);
  const bool was_blocked = pin.blocked();
  const VerifyOutcome outcome = pin.verify(*candidate);
  wipe(*candidate);
  verified_ = outcome == VerifyOutcome::kOk;
  switch (outcome) {
    case VerifyOutcome::kOk:
      return ResponseApdu::status(sw::kOk);
    case VerifyOutcome::kWrong:
      return ResponseApdu::status(sw::retries_left(pin.remaining()));
    case VerifyOutcome::kBlocked:
      // The attempt that spends the last try answers 63C0 (as PIV does); later attempts 6983.
      return ResponseApdu::status(was_blocked ? sw::kAuthBlocked : sw::retries_left(0));
    case VerifyOutcome::kNotInitialized:
      break;
  }
  return ResponseApdu::status(sw::kDataInvalid);
}

iso7816::StatusWord CardPinVerifier::check_access() const {
  if (!verified_ || context_.pin.blocked()) return sw::kSecurityNotSatisfied;
  if (context_.policy.force_change) return sw::kConditionsNotSatisfied;
  return sw::kOk;
}

}  // namespace keydesk::card::pin
