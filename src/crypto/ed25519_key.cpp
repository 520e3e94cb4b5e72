#include "crypto/ed25519_key.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace keydesk::crypto {
namespace {
Error crypto_error(const char* what) {
  return Error::make(ErrorKind::kCrypto, what);
}
}  // namespace

Result<Ed25519Key> Ed25519Key::from_seed(ByteView seed) {
  if (seed.size() != kSeedSize) return crypto_error("Ed25519 seed has the wrong size");
  EVP_PKEY* p = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size());
  if (!p) return crypto_error("invalid Ed25519 seed");
  return Ed25519Key(PkeyPtr(p));
}

Bytes Ed25519Key::public_key() const {
  Bytes out(kPublicKeySize);
  size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(pkey_.get(), out.data(), &len) != 1 || len != kPublicKeySize) std::abort();
  return out;
}

Result<Bytes> Ed25519Key::sign(ByteView message) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Bytes sig(kSignatureSize);
  size_t len = sig.size();
  // Ed25519 takes no separate digest: the one-shot EVP_DigestSign with a null MD (RFC 8032 PureEdDSA).
  const bool ok = ctx && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, pkey_.get()) == 1 &&
                  EVP_DigestSign(ctx, sig.data(), &len, message.data(), message.size()) == 1 &&
                  len == kSignatureSize;
  EVP_MD_CTX_free(ctx);
  if (!ok) return crypto_error("Ed25519 signature failed");
  return sig;
}

bool ed25519_verify(ByteView public_key, ByteView message, ByteView signature) {
  if (public_key.size() != Ed25519Key::kPublicKeySize || signature.size() != Ed25519Key::kSignatureSize)
    return false;
  PkeyPtr pub(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size()));
  if (!pub) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pub.get()) == 1 &&
      EVP_DigestVerify(ctx, signature.data(), signature.size(), message.data(), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace keydesk::crypto
