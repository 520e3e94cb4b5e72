// Ed25519 keys (RFC 8032 section 5.1, PureEdDSA) through OpenSSL 3: a key from its 32-byte seed (the
// RFC's "private key"), the 32-byte public key, signatures over whole messages, and verification.
// FIDO credentials use them as COSE algorithm EdDSA (-8).
#pragma once

#include <memory>

#include "core/bytes.h"
#include "core/result.h"
#include "crypto/ec_key.h"

namespace keydesk::crypto {

class Ed25519Key {
 public:
  static constexpr size_t kSeedSize = 32;
  static constexpr size_t kPublicKeySize = 32;
  static constexpr size_t kSignatureSize = 64;

  static Result<Ed25519Key> from_seed(ByteView seed);

  Bytes public_key() const;  // RFC 8032 encoding, 32 bytes
  // PureEdDSA over the whole message (Ed25519 hashes internally); 64 bytes R || S.
  Result<Bytes> sign(ByteView message) const;
  EVP_PKEY* pkey() const { return pkey_.get(); }

 private:
  explicit Ed25519Key(PkeyPtr p) : pkey_(std::move(p)) {}
  std::shared_ptr<EVP_PKEY> pkey_;
};

bool ed25519_verify(ByteView public_key, ByteView message, ByteView signature);

}  // namespace keydesk::crypto
