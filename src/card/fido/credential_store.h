// Credentials of the simulated authenticator. Every credential's private key is derived from a
// per-token master secret and its credential ID (ID = properties || nonce || MAC(master, properties ||
// nonce || rpIdHash)), so non-discoverable credentials need no storage and the ID proves it belongs to
// this token and RP. The properties byte carries what the authenticator must know about a credential
// it never stored: its algorithm, its credProtect level and whether it has hmac-secret CredRandoms
// (CTAP 2.1 sections 12.1 and 12.5), which are derived from the master secret as the key is.
// Discoverable credentials additionally keep their RP and user in a bounded list. authenticatorReset
// replaces the master secret, which invalidates every credential ever issued (U2F key handles too:
// they are credential IDs of this same form).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "card/fido/cose.h"
#include "core/result.h"
#include "crypto/ec_key.h"
#include "crypto/ed25519_key.h"

namespace keydesk::card::fido {

struct UserEntity {
  Bytes id;
  std::string name;
  std::string display_name;
};

// What a credential ID carries besides its key (see the file comment).
struct CredentialProperties {
  int64_t algorithm = kCoseAlgEs256;  // or kCoseAlgEdDsa
  uint8_t cred_protect = 1;           // credProtect level 1..3 (CTAP 2.1 section 12.1)
  bool hmac_secret = false;           // created with hmac-secret: true (CTAP 2.1 section 12.5)
  bool operator==(const CredentialProperties&) const = default;
};

// A credential's private key: ES256 (P-256 ECDSA over SHA-256) or EdDSA (Ed25519).
class CredentialKey {
 public:
  explicit CredentialKey(crypto::EcKey key) : ec_(std::move(key)) {}
  explicit CredentialKey(crypto::Ed25519Key key) : ed_(std::move(key)) {}

  int64_t algorithm() const { return ec_ ? kCoseAlgEs256 : kCoseAlgEdDsa; }
  // COSE_Key of the public key (RFC 8152 13.1.1 EC2 / RFC 8152 13.2 OKP).
  cbor::Value cose_public_key() const;
  // The signature of WebAuthn 6.3.3 / U2F: ECDSA-SHA256 (DER) or Ed25519 over `message` itself.
  Result<Bytes> sign(ByteView message) const;
  // The uncompressed P-256 point (ES256 keys only: U2F registration).
  Bytes ec_public_point() const { return ec_->public_point(); }

 private:
  std::optional<crypto::EcKey> ec_;
  std::optional<crypto::Ed25519Key> ed_;
};

struct DiscoverableCredential {
  Bytes id;
  std::string rp_id;
  std::string rp_name;
  UserEntity user;
};

class CredentialStore {
 public:
  static constexpr size_t kCredentialIdSize = 49;
  // IDs issued before the properties byte existed: ES256, credProtect 1, no hmac-secret.
  static constexpr size_t kLegacyCredentialIdSize = 48;

  // A fresh credential ID for this RP (or U2F application parameter); its key is derived by key_for().
  Bytes new_credential_id(ByteView rp_id_hash, const CredentialProperties& properties = {}) const;
  // The properties of `id` when it was issued by this token for the RP with this hash.
  std::optional<CredentialProperties> properties_of(ByteView id, ByteView rp_id_hash) const;
  bool owns(ByteView id, ByteView rp_id_hash) const { return properties_of(id, rp_id_hash).has_value(); }
  // The properties an ID states, without checking that this token issued it (for IDs already checked).
  static std::optional<CredentialProperties> properties_of_id(ByteView id);
  // Properties of a stored discoverable credential's ID (its RP is known).
  CredentialProperties stored_properties(const DiscoverableCredential& credential) const;
  // The key of an ID that owns() or the discoverable list accepted.
  CredentialKey key_for(ByteView id) const;
  // hmac-secret's CredRandomWithUV / CredRandomWithoutUV of an ID with the hmac-secret property.
  Bytes cred_random(ByteView id, bool uv) const;

  size_t capacity() const { return capacity_; }
  size_t remaining() const { return capacity_ - discoverable_.size(); }
  const std::vector<DiscoverableCredential>& discoverable() const { return discoverable_; }
  // Most recently created first, as getAssertion returns them.
  std::vector<const DiscoverableCredential*> for_rp(std::string_view rp_id) const;
  const DiscoverableCredential* find(ByteView id) const;
  // Stores a discoverable credential, replacing one with the same RP and user ID (CTAP 2.1 6.1.2
  // step 17). False when the store is full.
  bool store(DiscoverableCredential credential);
  bool remove(ByteView id);
  bool update_user(ByteView id, const UserEntity& user);

  // The token-wide signature counter, incremented for every signature.
  uint32_t next_sign_count() { return ++sign_count_; }

  // authenticatorReset: new master secret, no credentials, counter restarts.
  void clear();

  nlohmann::json save() const;
  // Seeds (capacity from the profile, new master secret) or loads.
  Status load(const nlohmann::json& section);

 private:
  Bytes derive(std::string_view label, ByteView data) const;

  Bytes master_secret_;
  size_t capacity_ = 25;
  uint32_t sign_count_ = 0;
  std::vector<DiscoverableCredential> discoverable_;
};

}  // namespace keydesk::card::fido
