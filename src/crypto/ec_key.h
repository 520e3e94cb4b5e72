// EC private keys on NIST P-256 / P-384 (OpenSSL 3 EVP_PKEY): generation, DER (PKCS#8) persistence,
// ECDSA over a prepared digest, ECDH. Shared by the PIV and FIDO applets and the host verifiers.
#pragma once

#include <memory>

#include "core/bytes.h"
#include "core/result.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace keydesk::crypto {

enum class Curve { kP256, kP384 };
size_t curve_bytes(Curve c);  // 32 or 48

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const;
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
// DER PKCS#8 of any private key (EC and RSA keys persist themselves this way); the buffer is cleansed.
Bytes pkcs8_of(EVP_PKEY* pkey);
// DER SubjectPublicKeyInfo of any key.
Bytes spki_of(EVP_PKEY* pkey);

class EcKey {
 public:
  static EcKey generate(Curve curve);
  static Result<EcKey> from_pkcs8(ByteView der);
  static Result<EcKey> from_scalar(Curve curve, ByteView scalar);  // PIV IMPORT KEY tag 06

  Curve curve() const { return curve_; }
  Bytes pkcs8() const;         // private key, DER PKCS#8 (persisted in state files)
  Bytes public_point() const;  // 04 || X || Y
  Bytes spki() const;          // DER SubjectPublicKeyInfo
  // ECDSA over `digest` as given (no hashing here); DER SEQUENCE { r, s }.
  Result<Bytes> sign_digest(ByteView digest) const;
  // ECDH with a peer's uncompressed point; returns the shared X coordinate.
  Result<Bytes> ecdh(ByteView peer_point) const;
  EVP_PKEY* pkey() const { return pkey_.get(); }

 private:
  EcKey(Curve c, PkeyPtr p) : curve_(c), pkey_(std::move(p)) {}
  Curve curve_;
  std::shared_ptr<EVP_PKEY> pkey_;
};

// Verifies a DER ECDSA signature over `digest` with an uncompressed public point.
bool ecdsa_verify_digest(Curve curve, ByteView public_point, ByteView digest, ByteView der_signature);

}  // namespace keydesk::crypto
