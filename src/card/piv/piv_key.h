// One private key in a PIV slot: EC (P-256/P-384) or RSA, its policies and origin. The PKCS#8 DER is
// encoded once (at generation, import or load) and kept, so saving the applet's state stays cheap.
#pragma once

#include <variant>

#include "card/applet.h"
#include "card/piv/piv_defs.h"
#include "crypto/ec_key.h"
#include "crypto/rsa_key.h"

namespace keydesk::card::piv {

class PivKey {
 public:
  static Result<PivKey> generate(Algorithm alg, KeyPolicy policy);
  static Result<PivKey> import_ec(Algorithm alg, ByteView scalar, KeyPolicy policy);
  static Result<PivKey> import_rsa(Algorithm alg, const crypto::RsaCrtParts& parts, KeyPolicy policy);
  static Result<PivKey> load(const json& j);
  PivKey(const PivKey&) = default;
  PivKey& operator=(const PivKey&) = default;
  PivKey(PivKey&&) = default;
  PivKey& operator=(PivKey&&) = default;
  ~PivKey();

  Algorithm algorithm() const { return algorithm_; }
  const KeyPolicy& policy() const { return policy_; }
  KeyOrigin origin() const { return origin_; }
  EVP_PKEY* pkey() const;
  Bytes spki() const;
  // The public key as GENERATE answers it inside 7F49 and GET METADATA in tag 04:
  // 81 modulus 82 exponent (RSA) or 86 04||X||Y (EC).
  Bytes public_key_tlvs() const;
  // GENERAL AUTHENTICATE tag 81: ECDSA over the given hash (fitted to the curve size as a YubiKey does)
  // or raw RSA over one modulus-sized block. Malformed input is Error kUsage.
  Result<Bytes> private_operation(ByteView input) const;
  // Whether private_operation() takes an input of this size (checked before any PIN or touch is spent).
  bool accepts_input(size_t size) const;
  // GENERAL AUTHENTICATE tag 85: ECDH with the peer's uncompressed point (EC keys only).
  Result<Bytes> ecdh(ByteView peer_point) const;

  json save() const;

 private:
  using Key = std::variant<crypto::EcKey, crypto::RsaKey>;
  PivKey(Algorithm alg, Key key, KeyPolicy policy, KeyOrigin origin);

  Algorithm algorithm_;
  Key key_;
  KeyPolicy policy_;
  KeyOrigin origin_;
  Bytes pkcs8_;
  std::string pkcs8_hex_;
};

}  // namespace keydesk::card::piv
