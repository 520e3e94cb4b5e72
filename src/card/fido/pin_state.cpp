#include "card/fido/pin_state.h"

#include "crypto/digest.h"
#include "crypto/random.h"

namespace keydesk::card::fido {
namespace {
constexpr size_t kPinHashSize = 16;
constexpr size_t kPaddedPinSize = 64;
constexpr size_t kMaxPinBytes = 63;

size_t code_points(ByteView utf8) {
  size_t n = 0;
  for (uint8_t b : utf8)
    if ((b & 0xC0) != 0x80) ++n;
  return n;
}
}  // namespace

const crypto::EcKey& PinState::key_agreement() {
  if (!key_agreement_) regenerate_key_agreement();
  return *key_agreement_;
}

void PinState::regenerate_key_agreement() {
  key_agreement_ = crypto::EcKey::generate(crypto::Curve::kP256);
}

CtapStatus PinState::precheck() const {
  if (!is_set()) return CtapStatus::kPinNotSet;
  if (retries_ == 0) return CtapStatus::kPinBlocked;
  if (power_cycle_required()) return CtapStatus::kPinAuthBlocked;
  return CtapStatus::kOk;
}

CtapStatus PinState::check_pin_hash(PinProtocol p, ByteView shared, ByteView pin_hash_enc) {
  --retries_;  // spent before comparing, so an interrupted attempt still counts
  auto decrypted = pin_decrypt(p, shared, pin_hash_enc);
  const bool match = decrypted && decrypted->size() == kPinHashSize && equal_ct(*decrypted, pin_hash_);
  if (decrypted) wipe(*decrypted);
  if (!match) {
    regenerate_key_agreement();
    ++mismatches_;
    if (retries_ == 0) return CtapStatus::kPinBlocked;
    if (power_cycle_required()) return CtapStatus::kPinAuthBlocked;
    return CtapStatus::kPinInvalid;
  }
  retries_ = kMaxRetries;
  mismatches_ = 0;
  return CtapStatus::kOk;
}

CtapStatus PinState::set_from_new_pin_enc(PinProtocol p, ByteView shared, ByteView new_pin_enc) {
  auto padded = pin_decrypt(p, shared, new_pin_enc);
  if (!padded) return CtapStatus::kPinAuthInvalid;
  if (padded->size() != kPaddedPinSize) {
    wipe(*padded);
    return CtapStatus::kInvalidParameter;
  }
  size_t length = padded->size();
  while (length > 0 && (*padded)[length - 1] == 0x00) --length;
  const ByteView pin(padded->data(), length);
  CtapStatus result = CtapStatus::kOk;
  if (length > kMaxPinBytes || code_points(pin) < min_length_) {
    result = CtapStatus::kPinPolicyViolation;
  } else {
    pin_hash_ = crypto::hash(crypto::HashAlg::kSha256, pin);
    pin_hash_.resize(kPinHashSize);
    code_points_ = static_cast<uint8_t>(code_points(pin));
    retries_ = kMaxRetries;
    mismatches_ = 0;
  }
  wipe(*padded);
  return result;
}

const Bytes& PinState::issue_token(uint8_t permissions, std::optional<std::string> rp_id) {
  wipe(token_);
  token_ = crypto::random_bytes(kTokenSize);
  token_permissions_ = permissions;
  token_rp_id_ = std::move(rp_id);
  return token_;
}

void PinState::invalidate_token() {
  wipe(token_);
  token_.clear();
  token_permissions_ = 0;
  token_rp_id_.reset();
}

bool PinState::verify_token(PinProtocol p, ByteView message, ByteView param, uint8_t permission,
                            std::optional<std::string_view> rp_id) {
  if (token_.empty() || !pin_verify(p, token_, message, param)) return false;
  if ((token_permissions_ & permission) == 0) return false;
  if (rp_id) {
    if (token_rp_id_ && *token_rp_id_ != *rp_id) return false;
    if (!token_rp_id_) token_rp_id_ = std::string(*rp_id);
  }
  return true;
}

void PinState::reset_volatile() {
  mismatches_ = 0;
  key_agreement_.reset();
  invalidate_token();
}

void PinState::clear() {
  wipe(pin_hash_);
  pin_hash_.clear();
  code_points_ = 0;
  retries_ = kMaxRetries;
  reset_volatile();
}

nlohmann::json PinState::save() const {
  nlohmann::json j = {{"retries", retries_}, {"min_length", min_length_}};
  if (is_set()) {
    j["hash"] = to_hex(pin_hash_);
    j["code_points"] = code_points_;
  }
  return j;
}

Status PinState::load(const nlohmann::json& j) {
  retries_ = std::min<uint8_t>(j.value("retries", kMaxRetries), kMaxRetries);
  min_length_ = j.value("min_length", uint8_t{4});
  pin_hash_.clear();
  code_points_ = 0;
  if (j.contains("hash")) {
    auto hash = from_hex(j["hash"].get<std::string>());
    if (!hash || hash->size() != kPinHashSize) return Error::make(ErrorKind::kMalformed, "fido.pin.hash");
    pin_hash_ = *hash;
    code_points_ = j.value("code_points", uint8_t{0});
  }
  reset_volatile();
  return {};
}

}  // namespace keydesk::card::fido
