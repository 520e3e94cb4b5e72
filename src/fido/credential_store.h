// Credentials of the simulated authenticator. Every credential's private key is derived from a
// per-token master secret and its credential ID (ID = nonce || MAC(master, nonce || rpIdHash)), so
// non-discoverable credentials need no storage and the ID proves it belongs to this token and RP.
// Discoverable credentials additionally keep their RP and user in a bounded list. authenticatorReset
// replaces the master secret, which invalidates every credential ever issued.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "crypto/ec_key.h"

namespace keydesk::fido {

struct UserEntity {
  Bytes id;
  std::string name;
  std::string display_name;
};

struct DiscoverableCredential {
  Bytes id;
  std::string rp_id;
  std::string rp_name;
  UserEntity user;
};

class CredentialStore {
 public:
  static constexpr size_t kCredentialIdSize = 48;

  // A fresh credential ID for this RP; its key is derived by key_for().
  Bytes new_credential_id(ByteView rp_id_hash) const;
  // True when `id` was issued by this token for the RP with this hash.
  bool owns(ByteView id, ByteView rp_id_hash) const;
  crypto::EcKey key_for(ByteView id) const;

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

}  // namespace keydesk::fido
