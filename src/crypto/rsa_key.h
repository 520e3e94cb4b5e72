// RSA private keys (OpenSSL 3 EVP_PKEY) for the PIV applet: generation, CRT import (PIV IMPORT KEY tags
// 01..05), DER (PKCS#8) persistence and the raw private-key operation PIV cards perform (the client pads).
#pragma once

#include <memory>

#include "core/bytes.h"
#include "core/result.h"
#include "crypto/ec_key.h"

namespace keydesk::crypto {

// The CRT parts of an RSA private key, each big-endian; e is implied (65537, what ykman imports).
struct RsaCrtParts {
  Bytes p, q, dp, dq, qinv;
};

class RsaKey {
 public:
  static Result<RsaKey> generate(unsigned bits);
  static Result<RsaKey> from_pkcs8(ByteView der);
  static Result<RsaKey> from_crt(const RsaCrtParts& parts);

  unsigned bits() const;
  Bytes pkcs8() const;    // private key, DER PKCS#8
  Bytes modulus() const;  // n, big-endian, without leading zeros
  Bytes public_exponent() const;
  Bytes spki() const;  // DER SubjectPublicKeyInfo
  // m^d mod n over a modulus-sized block (no padding added or removed: the client padded it).
  Result<Bytes> raw_private(ByteView block) const;
  EVP_PKEY* pkey() const { return pkey_.get(); }

 private:
  explicit RsaKey(PkeyPtr p) : pkey_(std::move(p)) {}
  std::shared_ptr<EVP_PKEY> pkey_;
};

}  // namespace keydesk::crypto
