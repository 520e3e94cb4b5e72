#include "card/oath/oath_access_key.h"

#include "card/oath/oath_credential.h"
#include "crypto/random.h"
#include "iso7816/tlv.h"
#include "protocol/ykoath.h"

namespace keydesk::card::oath {
namespace sw = iso7816::sw;
using iso7816::ResponseApdu;
using nlohmann::json;

namespace {
using protocol::ykoath::kTagAlgorithm;
using protocol::ykoath::kTagChallenge;
using protocol::ykoath::kTagKey;
constexpr uint32_t kTagResponse = protocol::ykoath::kTagFullResponse;
constexpr size_t kChallengeSize = 8;
constexpr size_t kMaxKeySize = 64;
}  // namespace

void OathAccessKey::begin_session() {
  validated_ = false;
  challenge_ = is_set() ? crypto::random_bytes(kChallengeSize) : Bytes{};
}

void OathAccessKey::end_session() {
  validated_ = false;
  challenge_.clear();
}

void OathAccessKey::append_select_items(Bytes& out) const {
  if (!is_set()) return;
  iso7816::append_tlv(out, kTagChallenge, challenge_);
  iso7816::append_tlv(out, kTagAlgorithm, Bytes{crypto::oath_nibble_of(key_->hash)});
}

ResponseApdu OathAccessKey::set_code(ByteView data) {
  auto tlvs = iso7816::parse_tlvs(data);
  if (!tlvs) return ResponseApdu::status(sw::kIncorrectData);
  const iso7816::Tlv* key = iso7816::find_tlv(*tlvs, kTagKey);
  if (!key) return ResponseApdu::status(sw::kIncorrectData);
  if (key->value.empty()) {  // 73 00 removes the password
    clear();
    return ResponseApdu::success();
  }
  const iso7816::Tlv* challenge = iso7816::find_tlv(*tlvs, kTagChallenge);
  const iso7816::Tlv* response = iso7816::find_tlv(*tlvs, kTagResponse);
  // The high nibble of the algorithm byte differs between clients (ykman 21, .NET 01): only the low counts.
  const auto hash = crypto::hash_from_oath_nibble(key->value[0] & 0x0F);
  if (!challenge || !response || !hash || key->value.size() < 2 || key->value.size() > kMaxKeySize + 1)
    return ResponseApdu::status(sw::kIncorrectData);
  Key candidate{Bytes(key->value.begin() + 1, key->value.end()), *hash};
  // The host proves it holds the key it is setting, so a mistyped key cannot lock the applet.
  Bytes expected = crypto::hmac(candidate.hash, candidate.value, challenge->value);
  const bool matches = equal_ct(expected, response->value);
  wipe(expected);
  if (!matches) {
    wipe(candidate.value);
    return ResponseApdu::status(sw::kDataInvalid);
  }
  clear();
  key_ = std::move(candidate);
  validated_ = true;  // the session that set the key stays unlocked
  return ResponseApdu::success();
}

ResponseApdu OathAccessKey::validate(ByteView data) {
  if (!is_set()) return ResponseApdu::status(sw::kDataInvalid);
  auto tlvs = iso7816::parse_tlvs(data);
  if (!tlvs) return ResponseApdu::status(sw::kIncorrectData);
  const iso7816::Tlv* response = iso7816::find_tlv(*tlvs, kTagResponse);
  const iso7816::Tlv* host_challenge = iso7816::find_tlv(*tlvs, kTagChallenge);
  if (!response || !host_challenge || host_challenge->value.empty())
    return ResponseApdu::status(sw::kIncorrectData);
  if (challenge_.empty()) return ResponseApdu::status(sw::kConditionsNotSatisfied);
  Bytes expected = crypto::hmac(key_->hash, key_->value, challenge_);
  const bool matches = equal_ct(expected, response->value);
  wipe(expected);
  challenge_.clear();  // single use: a failed attempt needs a new SELECT
  if (!matches) return ResponseApdu::status(sw::kDataInvalid);
  validated_ = true;
  Bytes out;
  iso7816::append_tlv(out, kTagResponse, crypto::hmac(key_->hash, key_->value, host_challenge->value));
  return ResponseApdu::success(std::move(out));
}

void OathAccessKey::clear() {
  if (key_) wipe(key_->value);
  key_.reset();
  validated_ = false;
  challenge_.clear();
}

json OathAccessKey::save() const {
  if (!key_) return nullptr;
  return json{{"key", to_hex(key_->value)}, {"algorithm", oath_hash_name(key_->hash)}};
}

Status OathAccessKey::load(const json& j) {
  clear();
  if (j.is_null()) return {};
  if (!j.is_object() || !j.contains("key") || !j["key"].is_string())
    return Error::make(ErrorKind::kMalformed, "oath access key");
  auto value = from_hex(j["key"].get<std::string>());
  const auto hash = oath_hash_from_name(j.value("algorithm", "sha1"));
  if (!value || value->empty() || !hash) return Error::make(ErrorKind::kMalformed, "oath access key");
  key_ = Key{std::move(*value), *hash};
  return {};
}

}  // namespace keydesk::card::oath
