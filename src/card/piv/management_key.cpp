#include "card/piv/management_key.h"

#include "crypto/random.h"
#include "iso7816/tlv.h"

namespace keydesk::card::piv {
namespace sw = iso7816::sw;
using iso7816::Tlv;

namespace {
constexpr uint32_t kTemplate = protocol::piv::kTagDynamicAuth, kWitness = protocol::piv::kTagWitness,
                   kChallenge = protocol::piv::kTagChallenge, kResponse = protocol::piv::kTagResponse;

std::optional<crypto::BlockCipher> cipher_of(Algorithm a) {
  switch (a) {
    case Algorithm::kTdes:
      return crypto::BlockCipher::kTdes;
    case Algorithm::kAes128:
      return crypto::BlockCipher::kAes128;
    case Algorithm::kAes192:
      return crypto::BlockCipher::kAes192;
    case Algorithm::kAes256:
      return crypto::BlockCipher::kAes256;
    default:
      return std::nullopt;
  }
}

ResponseApdu template_response(uint32_t tag, ByteView value) {
  return ResponseApdu::success(iso7816::encode_tlv(kTemplate, iso7816::encode_tlv(tag, value)));
}
}  // namespace

const Bytes& default_management_key() {
  static const Bytes key{1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8};
  return key;
}

ManagementKey::ManagementKey() : key_(default_management_key()) {}

crypto::BlockCipher ManagementKey::cipher() const {
  return *cipher_of(algorithm_);
}

bool ManagementKey::set(Algorithm alg, ByteView key, bool touch) {
  const auto cipher = cipher_of(alg);
  if (!cipher || key.size() != crypto::key_size(*cipher)) return false;
  wipe(key_);
  algorithm_ = alg;
  key_.assign(key.begin(), key.end());
  touch_ = touch;
  is_default_ = alg == Algorithm::kTdes && equal_ct(key_, default_management_key());
  return true;
}

json ManagementKey::save() const {
  return json{{"algorithm", algorithm_name(algorithm_)},
              {"key", to_hex(key_)},
              {"touch", touch_},
              {"default", is_default_}};
}

Status ManagementKey::load(const json& j) {
  const auto alg = algorithm_from_name(j.value("algorithm", std::string("TDES")));
  auto key = from_hex(j.value("key", to_hex(default_management_key())));
  const bool ok = alg && key && set(*alg, *key, j.value("touch", false));
  if (key) wipe(*key);
  if (!ok) return Error::make(ErrorKind::kMalformed, "piv.management_key: bad algorithm or key size");
  // A profile may mark a non-factory key as the vendor's "default" (what ykman warns about).
  is_default_ = j.value("default", is_default_);
  return {};
}

size_t ManagementAuth::block() const {
  return crypto::block_size(key_.cipher());
}

void ManagementAuth::forget_pending() {
  wipe(pending_witness_);
  wipe(pending_challenge_);
  pending_witness_.clear();
  pending_challenge_.clear();
}

void ManagementAuth::forget() {
  forget_pending();
  authenticated_ = false;
}

ResponseApdu ManagementAuth::authenticate(const CommandApdu& cmd) {
  auto outer = iso7816::parse_tlvs(cmd.data);
  std::optional<std::vector<Tlv>> items;
  if (outer && outer->size() == 1 && (*outer)[0].tag == kTemplate) {
    if (auto inner = iso7816::parse_tlvs((*outer)[0].value)) items = std::move(inner).value();
  }
  const Tlv* witness = items ? iso7816::find_tlv(*items, kWitness) : nullptr;
  const Tlv* challenge = items ? iso7816::find_tlv(*items, kChallenge) : nullptr;
  const Tlv* response = items ? iso7816::find_tlv(*items, kResponse) : nullptr;
  const auto empty = [](const Tlv* t) { return t && t->value.empty(); };
  const auto sized = [this](const Tlv* t) { return t && t->value.size() == block(); };
  const bool challenge_request = items && items->size() == 1 && empty(challenge);

  // P1 names the key's algorithm. A challenge request may leave it 00: OpenSC draws the card's random
  // numbers (C_GenerateRandom) with 00 87 00 9B 04 7C 02 81 00, which YubiKeys answer with one block.
  const auto alg = algorithm_from_byte(cmd.p1);
  const bool algorithm_ok = (alg && *alg == key_.algorithm()) || (challenge_request && cmd.p1 == 0x00);
  if (!algorithm_ok) {
    forget_pending();
    return ResponseApdu::status(sw::kIncorrectP1P2);
  }
  if (!items) {
    forget_pending();
    return ResponseApdu::status(sw::kIncorrectData);
  }

  // Step one of either exchange starts afresh; step two needs the value step one handed out.
  if (items->size() == 1 && empty(witness)) return issue_witness();
  if (challenge_request) return issue_challenge();
  if (sized(witness) && sized(challenge) && (!response || response->value.empty()))
    return answer_mutual(witness->value, challenge->value);
  if (items->size() == 1 && sized(response)) return check_single(response->value);
  forget_pending();
  return ResponseApdu::status(sw::kIncorrectData);
}

ResponseApdu ManagementAuth::issue_witness() {
  forget();
  pending_witness_ = crypto::random_bytes(block());
  auto encrypted = crypto::ecb_encrypt(key_.cipher(), key_.key(), pending_witness_);
  if (!encrypted) return ResponseApdu::status(sw::kNoDiagnosis);
  return template_response(kWitness, *encrypted);
}

ResponseApdu ManagementAuth::issue_challenge() {
  forget();
  pending_challenge_ = crypto::random_bytes(block());
  return template_response(kChallenge, pending_challenge_);
}

ResponseApdu ManagementAuth::answer_mutual(ByteView witness, ByteView host_challenge) {
  if (pending_witness_.empty()) return ResponseApdu::status(sw::kConditionsNotSatisfied);
  const bool match = equal_ct(witness, pending_witness_);
  forget_pending();
  // A YubiKey answers 6982 both to a wrong witness and to a touch that did not come.
  if (!match || (key_.touch_required() && !context_.presence.request()))
    return ResponseApdu::status(sw::kSecurityNotSatisfied);
  auto encrypted = crypto::ecb_encrypt(key_.cipher(), key_.key(), host_challenge);
  if (!encrypted) return ResponseApdu::status(sw::kNoDiagnosis);
  authenticated_ = true;
  return template_response(kResponse, *encrypted);
}

ResponseApdu ManagementAuth::check_single(ByteView response) {
  if (pending_challenge_.empty()) return ResponseApdu::status(sw::kConditionsNotSatisfied);
  auto expected = crypto::ecb_encrypt(key_.cipher(), key_.key(), pending_challenge_);
  forget_pending();
  const bool match = expected && equal_ct(*expected, response);
  if (expected) wipe(*expected);
  if (!match || (key_.touch_required() && !context_.presence.request()))
    return ResponseApdu::status(sw::kSecurityNotSatisfied);
  authenticated_ = true;
  return ResponseApdu::success();
}

}  // namespace keydesk::card::piv
