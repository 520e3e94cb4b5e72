#include "card/aca/xauth_key.h"

#include "crypto/random.h"
#include "protocol/aca.h"

namespace keydesk::card::aca {
using nlohmann::json;

void XauthKey::install(crypto::BlockCipher cipher, ByteView key, ChallengeType type) {
  clear();
  cipher_ = cipher;
  key_.assign(key.begin(), key.end());
  set_challenge_type(type);
  remaining_ = max_tries_;
}

void XauthKey::set_challenge_type(ChallengeType type) {
  challenge_type_ = type;
  static_challenge_ =
      type == ChallengeType::kStatic ? crypto::random_bytes(crypto::block_size(cipher_)) : Bytes{};
  pending_.clear();
}

void XauthKey::set_max_tries(uint8_t max) {
  max_tries_ = max;
  remaining_ = max;
}

void XauthKey::clear() {
  wipe(key_);
  key_.clear();
  static_challenge_.clear();
  pending_.clear();
  remaining_ = max_tries_;
}

std::optional<Bytes> XauthKey::issue_challenge() {
  if (!initialized() || blocked()) return std::nullopt;
  pending_ = challenge_type_ == ChallengeType::kStatic ? static_challenge_
                                                       : crypto::random_bytes(crypto::block_size(cipher_));
  return pending_;
}

std::optional<pin::VerifyOutcome> XauthKey::authenticate(ByteView cryptogram) {
  if (blocked()) return pin::VerifyOutcome::kBlocked;
  if (pending_.empty()) return std::nullopt;
  const Bytes challenge = std::exchange(pending_, {});
  auto expected = protocol::aca::xauth_cryptogram(cipher_, key_, challenge);
  const bool matches = expected.ok() && equal_ct(*expected, cryptogram);
  if (expected.ok()) wipe(*expected);
  if (matches) {
    remaining_ = max_tries_;
    return pin::VerifyOutcome::kOk;
  }
  --remaining_;
  return remaining_ == 0 ? pin::VerifyOutcome::kBlocked : pin::VerifyOutcome::kWrong;
}

json XauthKey::save() const {
  return json{{"initialized", initialized()},
              {"algorithm", crypto::piv_id_of(cipher_)},
              {"key", to_hex(key_)},
              {"challenge_type", challenge_type_ == ChallengeType::kStatic ? "static" : "dynamic"},
              {"static_challenge", to_hex(static_challenge_)},
              {"max_tries", max_tries_},
              {"remaining", remaining_}};
}

Status XauthKey::load(const json& j) {
  clear();
  try {
    const auto cipher = crypto::block_cipher_from_piv_id(j.value("algorithm", uint8_t{0x08}));
    const std::string type = j.value("challenge_type", "dynamic");
    auto key = from_hex(j.value("key", ""));
    auto static_challenge = from_hex(j.value("static_challenge", ""));
    if (!cipher || !key || !static_challenge || (type != "static" && type != "dynamic"))
      return Error::make(ErrorKind::kMalformed, "aca.xauth");
    if (!key->empty() && key->size() != crypto::key_size(*cipher))
      return Error::make(ErrorKind::kMalformed, "aca.xauth: key size does not match the algorithm");
    max_tries_ = j.value("max_tries", uint8_t{5});
    if (max_tries_ == 0 || max_tries_ > 15) return Error::make(ErrorKind::kMalformed, "aca.xauth.max_tries");
    if (j.value("initialized", !key->empty()) && !key->empty()) {
      install(*cipher, *key, type == "static" ? ChallengeType::kStatic : ChallengeType::kDynamic);
      // A saved static challenge stays what the help desk's records were computed for.
      if (static_challenge_.size() == static_challenge->size()) static_challenge_ = *static_challenge;
    }
    wipe(*key);
    remaining_ = j.value("remaining", max_tries_);
    if (remaining_ > max_tries_)
      return Error::make(ErrorKind::kMalformed, "aca.xauth: remaining > max_tries");
  } catch (const json::exception& e) {
    return Error::make(ErrorKind::kMalformed, std::string("aca.xauth: ") + e.what());
  }
  return {};
}

}  // namespace keydesk::card::aca
