#include "card/piv/pin_state.h"

#include <algorithm>

#include "card/pin/presentation.h"

namespace keydesk::card::piv {
namespace sw = iso7816::sw;
using iso7816::StatusWord;

namespace {
constexpr size_t kPinField = protocol::piv::kPinFieldSize;

StatusWord present_padded(pin::PinReference& ref, ByteView padded) {
  Bytes candidate = pin::strip_padding(padded);
  const StatusWord result = pin::present(ref, candidate);
  wipe(candidate);
  return result;
}
}  // namespace

ResponseApdu PinState::verify(const CommandApdu& cmd) {
  if (cmd.p2 != kPinRef) return ResponseApdu::status(sw::kReferenceNotFound);
  if (cmd.p1 == protocol::piv::kVerifyLogout) {
    if (!cmd.data.empty()) return ResponseApdu::status(sw::kIncorrectData);
    forget();
    return ResponseApdu::status(sw::kOk);
  }
  if (cmd.p1 != 0x00) return ResponseApdu::status(sw::kIncorrectP1P2);
  pin::PinReference& pin = context_.pin;
  if (cmd.data.empty()) return ResponseApdu::status(pin::status_query(pin, verified_));
  if (cmd.data.size() != kPinField) return ResponseApdu::status(sw::kIncorrectData);
  const StatusWord result = present_padded(pin, cmd.data);
  verified_ = fresh_ = result.ok();
  return ResponseApdu::status(result);
}

ResponseApdu PinState::change_reference(const CommandApdu& cmd) {
  if (cmd.p1 != 0x00) return ResponseApdu::status(sw::kIncorrectP1P2);
  if (cmd.p2 != kPinRef && cmd.p2 != kPukRef) return ResponseApdu::status(sw::kReferenceNotFound);
  pin::PinReference& ref = cmd.p2 == kPinRef ? context_.pin : context_.puk;
  ResponseApdu r = replace(ref, ref, cmd.data);
  if (r.ok() && cmd.p2 == kPinRef) context_.policy.force_change = false;
  return r;
}

ResponseApdu PinState::reset_retry_counter(const CommandApdu& cmd) {
  if (cmd.p1 != 0x00) return ResponseApdu::status(sw::kIncorrectP1P2);
  if (cmd.p2 != kPinRef) return ResponseApdu::status(sw::kReferenceNotFound);
  ResponseApdu r = replace(context_.puk, context_.pin, cmd.data);
  if (r.ok()) forget();
  return r;
}

ResponseApdu PinState::replace(pin::PinReference& ref, pin::PinReference& target, ByteView data) {
  if (data.size() != 2 * kPinField) return ResponseApdu::status(sw::kIncorrectData);
  // A PIV token without a PUK (the case-study profile) has no reference data to present: 6984.
  if (!ref.initialized()) return ResponseApdu::status(sw::kDataInvalid);
  if (ref.blocked()) return ResponseApdu::status(sw::kAuthBlocked);
  Bytes next = pin::strip_padding(data.subspan(kPinField));
  const ByteView current = data.first(kPinField);
  // The new value is checked before the current one is presented, so a refused change spends nothing.
  // Except an all-FF (empty) current value: it is a wrong value like an all-FF VERIFY, because ykman's
  // `piv reset` blocks the PUK by sending 16 x FF and needs 63Cx ... 6983 back.
  const bool next_acceptable =
      next.size() >= context_.policy.min_length && next.size() <= context_.policy.max_length;
  const bool current_empty =
      std::all_of(current.begin(), current.end(), [](uint8_t b) { return b == protocol::piv::kPinPadding; });
  if (!next_acceptable && !current_empty) {
    wipe(next);
    return ResponseApdu::status(sw::kConditionsNotSatisfied);
  }
  const StatusWord result = present_padded(ref, current);
  if (result.ok()) target.set(next);
  wipe(next);
  return ResponseApdu::status(result);
}

StatusWord PinState::authorize(PinPolicy policy) {
  if (policy == PinPolicy::kNever) return sw::kOk;
  const bool satisfied = policy == PinPolicy::kAlways ? fresh_ : verified_;
  if (!satisfied || context_.pin.blocked()) return sw::kSecurityNotSatisfied;
  if (context_.policy.force_change) return sw::kConditionsNotSatisfied;
  if (policy == PinPolicy::kAlways) fresh_ = false;
  return sw::kOk;
}

}  // namespace keydesk::card::piv
