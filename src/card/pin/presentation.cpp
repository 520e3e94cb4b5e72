#include "card/pin/presentation.h"

namespace keydesk::card::pin {
namespace sw = iso7816::sw;
using iso7816::StatusWord;

namespace {
constexpr size_t kMaxPinField = 16;
constexpr uint8_t kPadding = 0xFF;
}  // namespace

StatusWord status_word(VerifyOutcome outcome, bool was_blocked, uint8_t remaining,
                       StatusWord not_initialized) {
  switch (outcome) {
    case VerifyOutcome::kOk:
      return sw::kOk;
    case VerifyOutcome::kWrong:
      return sw::retries_left(remaining);
    case VerifyOutcome::kBlocked:
      return was_blocked ? sw::kAuthBlocked : sw::retries_left(0);
    case VerifyOutcome::kNotInitialized:
      return not_initialized;
  }
  return sw::kNoDiagnosis;
}

StatusWord status_query(const PinReference& ref, bool verified, StatusWord not_initialized) {
  if (!ref.initialized()) return not_initialized;
  if (ref.blocked()) return sw::kAuthBlocked;
  return verified ? sw::kOk : sw::retries_left(ref.remaining());
}

StatusWord present(PinReference& ref, ByteView candidate, StatusWord not_initialized) {
  const bool was_blocked = ref.blocked();
  const VerifyOutcome outcome = ref.verify(candidate);
  return status_word(outcome, was_blocked, ref.remaining(), not_initialized);
}

Bytes strip_padding(ByteView field) {
  size_t n = field.size();
  while (n > 0 && field[n - 1] == kPadding) --n;
  return Bytes(field.begin(), field.begin() + static_cast<std::ptrdiff_t>(n));
}

std::optional<Bytes> unpad_pin(ByteView field) {
  if (field.size() > kMaxPinField) return std::nullopt;
  Bytes pin = strip_padding(field);
  if (pin.empty()) return std::nullopt;
  return pin;
}

}  // namespace keydesk::card::pin
