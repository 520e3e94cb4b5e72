#include "card/aca/aca_applet.h"

#include <array>

#include "card/pin/presentation.h"
#include "iso7816/tlv.h"
#include "protocol/aca.h"

namespace keydesk::card::aca {
namespace sw = iso7816::sw;
using iso7816::StatusWord;

namespace {
constexpr uint8_t kMinPinLengthFloor = 4;
constexpr uint8_t kMaxPinLengthCeiling = 8;  // the PIV PIN field is 8 bytes
constexpr size_t kMinPukLength = 6;
constexpr size_t kMaxPukLength = 8;
constexpr uint8_t kMaxTries = 15;  // a 63Cx status word cannot report more

using namespace protocol::aca;

void append_byte(Bytes& out, uint32_t tag, uint8_t value) {
  iso7816::append_tlv(out, tag, Bytes{value});
}

std::optional<ChallengeType> challenge_type_from_byte(uint8_t b) {
  if (b == static_cast<uint8_t>(ChallengeType::kStatic)) return ChallengeType::kStatic;
  if (b == static_cast<uint8_t>(ChallengeType::kDynamic)) return ChallengeType::kDynamic;
  return std::nullopt;
}

ResponseApdu status_of(StatusWord s) {
  return ResponseApdu::status(s);
}
}  // namespace

AcaApplet::AcaApplet(CardContext& context) : context_(context), pin_(context) {}

ByteView AcaApplet::aid() const {
  return kAid;
}

ResponseApdu AcaApplet::select(const CommandApdu&) {
  // docs/aca-protocol.md section 2: a SELECT of the ACA while it is the current applet continues its
  // session (verified PIN, XAUTH authentication, pending challenge), the rule SP 800-73-4 Part 2 section
  // 3.1.1 gives PIV, whose PIN this is. Coming from another applet, deselect() has already ended it.
  // Application identifier template: 4F <AID>, so a host can tell which ACA answered a prefix SELECT.
  Bytes out;
  iso7816::append_tlv(out, 0x4F, kAid);
  return ResponseApdu::success(iso7816::encode_tlv(0x61, out));
}

void AcaApplet::deselect() {
  reset_volatile();  // another applet was selected: the ACA session ends
}

void AcaApplet::reset_volatile() {
  pin_.forget();
  xauth_.forget_challenge();
  xauth_authenticated_ = false;
}

ResponseApdu AcaApplet::process(const CommandApdu& cmd) {
  if (cmd.cla == 0x00) return process_iso(cmd);
  if (cmd.cla == 0x80) return process_proprietary(cmd);
  return status_of(sw::kClaNotSupported);
}

ResponseApdu AcaApplet::process_iso(const CommandApdu& cmd) {
  switch (cmd.ins) {
    case kInsVerify:
      return pin_.verify(cmd);
    case kInsChangeReferenceData:
      return change_pin(cmd);
    case kInsResetRetryCounter:
      return reset_retry_counter(cmd);
    case kInsGetChallenge:
      return get_challenge(cmd);
    case kInsExternalAuthenticate:
      return external_authenticate(cmd);
    default:
      return status_of(sw::kInsNotSupported);
  }
}

ResponseApdu AcaApplet::process_proprietary(const CommandApdu& cmd) {
  if (cmd.ins == kInsUnblockWithXauth) return unblock_with_xauth(cmd);
  if (cmd.p1 != 0x00 || cmd.p2 != 0x00) {
    const bool known = cmd.ins == kInsGetProperties || cmd.ins == kInsSetProperties ||
                       cmd.ins == kInsPutPuk || cmd.ins == kInsPutXauthKey;
    return status_of(known ? sw::kWrongP1P2 : sw::kInsNotSupported);
  }
  switch (cmd.ins) {
    case kInsGetProperties:
      return get_properties();
    case kInsSetProperties:
      return set_properties(cmd);
    case kInsPutPuk:
      return put_puk(cmd);
    case kInsPutXauthKey:
      return put_xauth_key(cmd);
    default:
      return status_of(sw::kInsNotSupported);
  }
}

ResponseApdu AcaApplet::get_properties() const {
  const pin::PinReference& pin = context_.pin;
  const pin::PinReference& puk = context_.puk;
  const PinPolicy& policy = context_.policy;
  Bytes out;
  append_byte(out, kPropPinTries, pin.remaining());
  append_byte(out, kPropPinMaxTries, pin.max());
  append_byte(out, kPropPukTries, puk.remaining());
  append_byte(out, kPropPukMaxTries, puk.max());
  append_byte(out, kPropPukInitialized, puk.initialized());
  append_byte(out, kPropXauthInitialized, xauth_.initialized());
  append_byte(out, kPropXauthChallengeType,
              xauth_.initialized() ? static_cast<uint8_t>(xauth_.challenge_type()) : 0);
  append_byte(out, kPropXauthAlgorithm, xauth_.initialized() ? crypto::piv_id_of(xauth_.cipher()) : 0);
  append_byte(out, kPropXauthTries, xauth_.initialized() ? xauth_.remaining() : 0);
  append_byte(out, kPropXauthMaxTries, xauth_.max_tries());
  append_byte(out, kPropMinPinLength, policy.min_length);
  append_byte(out, kPropMaxPinLength, policy.max_length);
  append_byte(out, kPropPinSharedWithFido, policy.shared_with_fido);
  append_byte(out, kPropForcePinChange, policy.force_change);
  append_byte(out, kPropPinIsInitial, pin.is_default());
  return ResponseApdu::success(std::move(out));
}

ResponseApdu AcaApplet::set_properties(const CommandApdu& cmd) {
  if (!xauth_authenticated_) return status_of(sw::kSecurityNotSatisfied);
  auto tlvs = iso7816::parse_tlvs(cmd.data);
  if (!tlvs || tlvs->empty()) return status_of(sw::kIncorrectData);
  // Validate everything against the resulting policy first, then apply: a refused command changes nothing.
  PinPolicy policy = context_.policy;
  std::optional<uint8_t> pin_max, puk_max, xauth_max;
  std::optional<ChallengeType> challenge_type;
  for (const auto& t : *tlvs) {
    if (t.value.size() != 1) return status_of(sw::kIncorrectData);
    const uint8_t v = t.value[0];
    const bool is_flag = v <= 1;
    const bool is_count = v >= 1 && v <= kMaxTries;
    switch (t.tag) {
      case kPropPinMaxTries:
        if (!is_count) return status_of(sw::kIncorrectData);
        pin_max = v;
        break;
      case kPropPukMaxTries:
        if (!is_count) return status_of(sw::kIncorrectData);
        puk_max = v;
        break;
      case kPropXauthMaxTries:
        if (!is_count) return status_of(sw::kIncorrectData);
        xauth_max = v;
        break;
      case kPropMinPinLength:
        policy.min_length = v;
        break;
      case kPropMaxPinLength:
        policy.max_length = v;
        break;
      case kPropForcePinChange:
        if (!is_flag) return status_of(sw::kIncorrectData);
        policy.force_change = v == 1;
        break;
      case kPropXauthChallengeType:
        challenge_type = challenge_type_from_byte(v);
        if (!challenge_type) return status_of(sw::kIncorrectData);
        break;
      default:
        return status_of(sw::kIncorrectData);  // unknown or read-only property
    }
  }
  if (policy.min_length < kMinPinLengthFloor || policy.max_length > kMaxPinLengthCeiling ||
      policy.min_length > policy.max_length)
    return status_of(sw::kIncorrectData);
  context_.policy = policy;
  if (pin_max) context_.pin.set_max(*pin_max);
  if (puk_max) context_.puk.set_max(*puk_max);
  if (xauth_max) xauth_.set_max_tries(*xauth_max);
  if (challenge_type) xauth_.set_challenge_type(*challenge_type);  // XAUTH implies a key
  return ResponseApdu::success();
}

std::optional<Bytes> AcaApplet::acceptable_new_pin(ByteView field) const {
  auto pin = pin::unpad_pin(field);
  if (pin && (pin->size() < context_.policy.min_length || pin->size() > context_.policy.max_length)) {
    wipe(*pin);
    return std::nullopt;
  }
  return pin;
}

void AcaApplet::install_pin(Bytes& pin) {
  context_.pin.set(pin);
  wipe(pin);
  context_.policy.force_change = false;
}

ResponseApdu AcaApplet::change_pin(const CommandApdu& cmd) {
  if (cmd.p1 != 0x00 || cmd.p2 != kPinReference) return status_of(sw::kIncorrectP1P2);
  auto tlvs = iso7816::parse_tlvs(cmd.data);
  if (!tlvs) return status_of(sw::kIncorrectData);
  const iso7816::Tlv* old_field = iso7816::find_tlv(*tlvs, kTagPin);
  const iso7816::Tlv* new_field = iso7816::find_tlv(*tlvs, kTagNewPin);
  if (!old_field || !new_field) return status_of(sw::kIncorrectData);
  auto old_pin = pin::unpad_pin(old_field->value);
  auto new_pin = acceptable_new_pin(new_field->value);
  // The new PIN is checked before the old one is tried, so a policy mistake never costs a try.
  if (!old_pin || !new_pin) return status_of(sw::kIncorrectData);
  CommandApdu verify = CommandApdu::make(0x00, kInsVerify, 0x00, kPinReference, std::move(*old_pin));
  ResponseApdu verified = pin_.verify(verify);
  wipe(verify.data);
  if (verified.ok()) install_pin(*new_pin);
  wipe(*new_pin);
  return verified;
}

ResponseApdu AcaApplet::reset_retry_counter(const CommandApdu& cmd) {
  if (cmd.p1 != 0x00 || cmd.p2 != kPinReference) return status_of(sw::kIncorrectP1P2);
  auto tlvs = iso7816::parse_tlvs(cmd.data);
  if (!tlvs) return status_of(sw::kIncorrectData);
  const iso7816::Tlv* puk_field = iso7816::find_tlv(*tlvs, kTagPuk);
  const iso7816::Tlv* new_field = iso7816::find_tlv(*tlvs, kTagNewPin);
  if (!puk_field || !new_field) return status_of(sw::kIncorrectData);
  auto puk = pin::unpad_pin(puk_field->value);
  auto new_pin = acceptable_new_pin(new_field->value);
  if (!puk || !new_pin) return status_of(sw::kIncorrectData);
  // docs/aca-protocol.md section 3.3: a token without a PUK answers 6A88.
  const StatusWord result = pin::present(context_.puk, *puk, sw::kReferenceNotFound);
  wipe(*puk);
  if (result.ok()) install_pin(*new_pin);
  wipe(*new_pin);
  return status_of(result);
}

ResponseApdu AcaApplet::put_puk(const CommandApdu& cmd) {
  // Initializing a PUK needs the PIN or the admin key; replacing one needs the admin key, so a PIN holder
  // cannot invalidate the PUK a help desk recorded for this CUID.
  if (!xauth_authenticated_) {
    if (context_.puk.initialized()) return status_of(sw::kSecurityNotSatisfied);
    if (const StatusWord access = pin_.check_access(); !access.ok()) return status_of(access);
  }
  const auto field = iso7816::find_value(cmd.data, kTagPuk);
  if (!field) return status_of(sw::kIncorrectData);
  auto puk = pin::unpad_pin(*field);
  if (!puk || puk->size() < kMinPukLength || puk->size() > kMaxPukLength) {
    if (puk) wipe(*puk);
    return status_of(sw::kIncorrectData);
  }
  context_.puk.set(*puk);
  wipe(*puk);
  return ResponseApdu::success();
}

ResponseApdu AcaApplet::get_challenge(const CommandApdu& cmd) {
  if (cmd.p1 != 0x00 || cmd.p2 != 0x00) return status_of(sw::kIncorrectP1P2);
  if (!xauth_.initialized()) return status_of(sw::kReferenceNotFound);
  auto challenge = xauth_.issue_challenge();
  if (!challenge) return status_of(sw::kAuthBlocked);
  xauth_authenticated_ = false;  // a new challenge starts a new authentication
  return ResponseApdu::success(std::move(*challenge));
}

ResponseApdu AcaApplet::external_authenticate(const CommandApdu& cmd) {
  if (cmd.p1 != 0x00 || cmd.p2 != 0x00) return status_of(sw::kIncorrectP1P2);
  if (!xauth_.initialized()) return status_of(sw::kReferenceNotFound);
  if (cmd.data.size() != crypto::block_size(xauth_.cipher())) return status_of(sw::kWrongLength);
  const bool was_blocked = xauth_.blocked();
  const auto outcome = xauth_.authenticate(cmd.data);
  if (!outcome) return status_of(sw::kConditionsNotSatisfied);  // no challenge to answer
  if (*outcome == pin::VerifyOutcome::kOk) xauth_authenticated_ = true;
  return status_of(pin::status_word(*outcome, was_blocked, xauth_.remaining()));
}

ResponseApdu AcaApplet::unblock_with_xauth(const CommandApdu& cmd) {
  if (cmd.p1 != 0x00 || cmd.p2 != kPinReference) return status_of(sw::kIncorrectP1P2);
  if (!xauth_authenticated_) return status_of(sw::kSecurityNotSatisfied);
  const auto field = iso7816::find_value(cmd.data, kTagNewPin);
  if (!field) return status_of(sw::kIncorrectData);
  auto new_pin = acceptable_new_pin(*field);
  if (!new_pin) return status_of(sw::kIncorrectData);
  install_pin(*new_pin);
  return ResponseApdu::success();
}

ResponseApdu AcaApplet::put_xauth_key(const CommandApdu& cmd) {
  // Factory state (no key) accepts a first key from anybody holding the card; afterwards only the
  // holder of the current key may replace it.
  if (xauth_.initialized() && !xauth_authenticated_) return status_of(sw::kSecurityNotSatisfied);
  auto tlvs = iso7816::parse_tlvs(cmd.data);
  if (!tlvs) return status_of(sw::kIncorrectData);
  const iso7816::Tlv* algorithm = iso7816::find_tlv(*tlvs, kTagXauthAlgorithm);
  const iso7816::Tlv* key = iso7816::find_tlv(*tlvs, kTagXauthKey);
  const iso7816::Tlv* type_field = iso7816::find_tlv(*tlvs, kTagXauthChallengeType);
  if (!algorithm || !key || algorithm->value.size() != 1) return status_of(sw::kIncorrectData);
  const auto cipher = crypto::block_cipher_from_piv_id(algorithm->value[0]);
  const auto type =
      type_field
          ? (type_field->value.size() == 1 ? challenge_type_from_byte(type_field->value[0]) : std::nullopt)
          : std::optional<ChallengeType>(ChallengeType::kDynamic);
  if (!cipher || !type || key->value.size() != crypto::key_size(*cipher))
    return status_of(sw::kIncorrectData);
  xauth_.install(*cipher, key->value, *type);
  for (auto& t : *tlvs) wipe(t.value);
  xauth_authenticated_ = false;  // the new key must be proven before it grants anything
  return ResponseApdu::success();
}

json AcaApplet::save() const {
  return json{{"xauth", xauth_.save()}};
}

Status AcaApplet::load(const json& section) {
  xauth_authenticated_ = false;
  return xauth_.load(section.value("xauth", json::object()));
}

}  // namespace keydesk::card::aca
