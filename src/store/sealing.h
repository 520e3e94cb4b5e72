// The store's key hierarchy below the master key (docs/store.md, "Key hierarchy"):
//
//   master key (key file, or an AES key inside a PKCS#11 token; never leaves it)
//     wraps -> data key: 256 random bits per store, kept only wrapped in the store (data_keys)
//       HKDF-SHA-256 (RFC 5869), salt = the store's id, one info string per purpose ->
//         seal key   AES-256-GCM for PUKs, PINs, OATH seeds, admin keys, vault secrets
//         audit key  HMAC-SHA-256 over each audit entry and the audit head
//         record key HMAC-SHA-256 over each token record and vault row
//
// Rotating the master key rewraps the data key and changes nothing below it, so sealed secrets and the
// audit chain stay valid. Each sealed value names the data-key generation it was sealed under, so a later
// data-key rotation can re-seal row by row (docs/store.md says why this part does not rotate it).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"
#include "core/secure_bytes.h"

namespace keydesk::store {

// What a sealed value belongs to; all three are bound as associated data, so a ciphertext copied to
// another token, another field or another purpose does not open.
struct SealContext {
  std::string_view purpose;  // "token-secret" or "vault"
  std::string_view subject;  // the CUID (20 hex digits) or the vault secret's name
  std::string_view field;    // "puk", "initial-pin", "admin-key", "oath-seed/NAME"; "value" for the vault
};

class KeyRing {
 public:
  static constexpr size_t kDataKeySize = 32;
  // The data key (32 bytes) unwrapped by the master key, its generation and the store's id.
  KeyRing(const SecureBytes& data_key, uint32_t generation, std::string_view store_id);

  // Format (docs/store.md, "Sealed value"): 0x01 || generation (4, big-endian) || nonce (12, random per
  // seal) || ciphertext || tag (16). The 5-byte header is part of the associated data.
  Result<Bytes> seal(const SealContext& context, ByteView plaintext) const;
  // kIntegrity when the value does not open here (changed, moved, or sealed by another store).
  Result<SecureBytes> open(const SealContext& context, ByteView sealed) const;

  Bytes audit_mac(ByteView data) const;   // HMAC-SHA-256 under the audit key
  Bytes record_mac(ByteView data) const;  // HMAC-SHA-256 under the record key
  uint32_t generation() const { return generation_; }

 private:
  uint32_t generation_;
  SecureBytes seal_key_;
  SecureBytes audit_key_;
  SecureBytes record_key_;
};

// Length-prefixed concatenation used for associated data and MAC inputs: each part as 4-byte big-endian
// length || bytes, so no two different part lists encode to the same bytes.
void append_field(Bytes& out, std::string_view part);
void append_field(Bytes& out, ByteView part);

}  // namespace keydesk::store
