#include "card/fido/credential_store.h"

#include <algorithm>
#include <cstdlib>

#include "card/fido/cose.h"
#include "core/text.h"
#include "crypto/digest.h"
#include "crypto/random.h"

namespace keydesk::card::fido {
namespace {
constexpr size_t kNonceSize = 32;
constexpr size_t kTagSize = 16;
constexpr size_t kPropertiesSize = 1;
static_assert(CredentialStore::kCredentialIdSize == kPropertiesSize + kNonceSize + kTagSize);
static_assert(CredentialStore::kLegacyCredentialIdSize == kNonceSize + kTagSize);
constexpr size_t kMasterSecretSize = 32;
constexpr size_t kMaxCapacity = 100;

// Names are bytes a client chose (CTAP 2.1 lets authenticators truncate them, which can split a UTF-8
// sequence): state_text keeps any of them losslessly.
nlohmann::json user_json(const UserEntity& u) {
  return {{"id", to_hex(u.id)}, {"name", state_text(u.name)}, {"display_name", state_text(u.display_name)}};
}

// An optional text field of the state (state_text form); absent is empty.
std::optional<std::string> text_field(const nlohmann::json& object, const char* key) {
  if (!object.contains(key)) return std::string();
  return state_text_bytes(object[key]);
}
}  // namespace

Bytes CredentialStore::derive(std::string_view label, ByteView data) const {
  Bytes message(label.begin(), label.end());
  append(message, data);
  return crypto::hmac(crypto::HashAlg::kSha256, master_secret_, message);
}

namespace {
// The properties byte: bits 0-1 credProtect level, bit 2 hmac-secret, bits 4-5 algorithm (0 ES256,
// 1 EdDSA). Any other bit set means the byte was not written by this code.
constexpr uint8_t kCredProtectMask = 0x03, kHmacSecretBit = 0x04, kAlgorithmShift = 4, kAlgorithmMask = 0x30;
constexpr uint8_t kAlgorithmEs256 = 0, kAlgorithmEdDsa = 1;

uint8_t encode_properties(const CredentialProperties& p) {
  const uint8_t alg = p.algorithm == kCoseAlgEdDsa ? kAlgorithmEdDsa : kAlgorithmEs256;
  return static_cast<uint8_t>((p.cred_protect & kCredProtectMask) | (p.hmac_secret ? kHmacSecretBit : 0) |
                              (alg << kAlgorithmShift));
}

std::optional<CredentialProperties> decode_properties(uint8_t b) {
  if (b & ~(kCredProtectMask | kHmacSecretBit | kAlgorithmMask)) return std::nullopt;
  const uint8_t level = b & kCredProtectMask;
  const uint8_t alg = (b & kAlgorithmMask) >> kAlgorithmShift;
  if (level == 0 || alg > kAlgorithmEdDsa) return std::nullopt;
  return CredentialProperties{alg == kAlgorithmEdDsa ? kCoseAlgEdDsa : kCoseAlgEs256, level,
                              (b & kHmacSecretBit) != 0};
}

// Properties of an ID of either form, before its tag is checked.
std::optional<CredentialProperties> properties_from_id(ByteView id) {
  if (id.size() == CredentialStore::kLegacyCredentialIdSize) return CredentialProperties{};
  if (id.size() == CredentialStore::kCredentialIdSize) return decode_properties(id[0]);
  return std::nullopt;
}

// What the tag covers and the secrets derive from: properties || nonce (legacy IDs: the nonce).
ByteView key_material(ByteView id) {
  return id.first(id.size() - kTagSize);
}
}  // namespace

cbor::Value CredentialKey::cose_public_key() const {
  if (ec_) return cose_ec2_key(ec_->public_point(), kCoseAlgEs256);
  return cose_okp_ed25519_key(ed_->public_key());
}

Result<Bytes> CredentialKey::sign(ByteView message) const {
  if (ec_) return ec_->sign_digest(crypto::hash(crypto::HashAlg::kSha256, message));
  return ed_->sign(message);
}

Bytes CredentialStore::new_credential_id(ByteView rp_id_hash, const CredentialProperties& properties) const {
  for (;;) {
    Bytes id{encode_properties(properties)};
    append(id, crypto::random_bytes(kNonceSize));
    if (properties.algorithm == kCoseAlgEs256) {
      // A derived scalar at or above the group order (probability ~2^-32) cannot be a key: draw again.
      Bytes scalar = derive("key", id);
      const bool usable = crypto::EcKey::from_scalar(crypto::Curve::kP256, scalar).ok();
      wipe(scalar);
      if (!usable) continue;
    }
    Bytes bound = id;
    append(bound, rp_id_hash);
    Bytes tag = derive("id", bound);
    id.insert(id.end(), tag.begin(), tag.begin() + kTagSize);
    return id;
  }
}

std::optional<CredentialProperties> CredentialStore::properties_of(ByteView id, ByteView rp_id_hash) const {
  const auto properties = properties_from_id(id);
  if (!properties) return std::nullopt;
  Bytes bound(key_material(id).begin(), key_material(id).end());
  append(bound, rp_id_hash);
  const Bytes tag = derive("id", bound);
  if (!equal_ct(ByteView(tag).first(kTagSize), id.last(kTagSize))) return std::nullopt;
  return properties;
}

std::optional<CredentialProperties> CredentialStore::properties_of_id(ByteView id) {
  return properties_from_id(id);
}

CredentialProperties CredentialStore::stored_properties(const DiscoverableCredential& credential) const {
  return properties_from_id(credential.id).value_or(CredentialProperties{});
}

CredentialKey CredentialStore::key_for(ByteView id) const {
  const auto properties = properties_from_id(id);
  if (!properties) std::abort();  // callers pass IDs that owns() or the discoverable list accepted
  if (properties->algorithm == kCoseAlgEdDsa) {
    Bytes seed = derive("ed25519", key_material(id));
    auto key = crypto::Ed25519Key::from_seed(seed);
    wipe(seed);
    if (!key) std::abort();
    return CredentialKey(std::move(key).value());
  }
  Bytes scalar = derive("key", key_material(id));
  auto key = crypto::EcKey::from_scalar(crypto::Curve::kP256, scalar);
  wipe(scalar);
  if (!key) std::abort();  // new_credential_id() only hands out IDs whose scalar is a valid key
  return CredentialKey(std::move(key).value());
}

Bytes CredentialStore::cred_random(ByteView id, bool uv) const {
  return derive(uv ? "hmac-secret-uv" : "hmac-secret-no-uv", key_material(id));
}

std::vector<const DiscoverableCredential*> CredentialStore::for_rp(std::string_view rp_id) const {
  std::vector<const DiscoverableCredential*> out;
  for (auto it = discoverable_.rbegin(); it != discoverable_.rend(); ++it)
    if (it->rp_id == rp_id) out.push_back(&*it);
  return out;
}

const DiscoverableCredential* CredentialStore::find(ByteView id) const {
  for (const auto& c : discoverable_)
    if (std::equal(c.id.begin(), c.id.end(), id.begin(), id.end())) return &c;
  return nullptr;
}

bool CredentialStore::store(DiscoverableCredential credential) {
  auto same = std::find_if(discoverable_.begin(), discoverable_.end(), [&](const DiscoverableCredential& c) {
    return c.rp_id == credential.rp_id && c.user.id == credential.user.id;
  });
  if (same != discoverable_.end()) discoverable_.erase(same);
  if (discoverable_.size() >= capacity_) return false;
  discoverable_.push_back(std::move(credential));
  return true;
}

bool CredentialStore::remove(ByteView id) {
  const auto before = discoverable_.size();
  std::erase_if(discoverable_, [&](const DiscoverableCredential& c) {
    return std::equal(c.id.begin(), c.id.end(), id.begin(), id.end());
  });
  return discoverable_.size() != before;
}

bool CredentialStore::update_user(ByteView id, const UserEntity& user) {
  for (auto& c : discoverable_)
    if (std::equal(c.id.begin(), c.id.end(), id.begin(), id.end())) {
      c.user.name = user.name;
      c.user.display_name = user.display_name;
      return true;
    }
  return false;
}

void CredentialStore::clear() {
  wipe(master_secret_);
  master_secret_ = crypto::random_bytes(kMasterSecretSize);
  discoverable_.clear();
  sign_count_ = 0;
}

nlohmann::json CredentialStore::save() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : discoverable_)
    list.push_back({{"id", to_hex(c.id)},
                    {"rp_id", state_text(c.rp_id)},
                    {"rp_name", state_text(c.rp_name)},
                    {"user", user_json(c.user)}});
  return {{"master_secret", to_hex(master_secret_)},
          {"max_discoverable_credentials", capacity_},
          {"sign_count", sign_count_},
          {"discoverable", std::move(list)}};
}

Status CredentialStore::load(const nlohmann::json& j) {
  capacity_ = j.value("max_discoverable_credentials", size_t{25});
  if (capacity_ > kMaxCapacity)
    return Error::make(ErrorKind::kMalformed, "fido.max_discoverable_credentials");
  sign_count_ = j.value("sign_count", uint32_t{0});
  if (j.contains("master_secret")) {
    auto secret = from_hex(j["master_secret"].get<std::string>());
    if (!secret || secret->size() != kMasterSecretSize)
      return Error::make(ErrorKind::kMalformed, "fido.master_secret");
    master_secret_ = *secret;
  } else {
    master_secret_ = crypto::random_bytes(kMasterSecretSize);
  }
  discoverable_.clear();
  for (const auto& c : j.value("discoverable", nlohmann::json::array())) {
    auto id = from_hex(c.at("id").get<std::string>());
    const auto& u = c.at("user");
    auto user_id = from_hex(u.at("id").get<std::string>());
    auto rp_id = state_text_bytes(c.at("rp_id"));
    auto rp_name = text_field(c, "rp_name");
    auto user_name = text_field(u, "name");
    auto display_name = text_field(u, "display_name");
    if (!id || !user_id || !rp_id || !rp_name || !user_name || !display_name)
      return Error::make(ErrorKind::kMalformed, "fido.discoverable");
    discoverable_.push_back({*id, *rp_id, *rp_name, {*user_id, *user_name, *display_name}});
  }
  if (discoverable_.size() > capacity_)
    return Error::make(ErrorKind::kMalformed, "fido.discoverable: over capacity");
  return {};
}

}  // namespace keydesk::card::fido
