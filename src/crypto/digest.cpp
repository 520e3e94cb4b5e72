#include "crypto/digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>

namespace keydesk::crypto {
namespace {
const EVP_MD* md(HashAlg alg) {
  switch (alg) {
    case HashAlg::kSha1: return EVP_sha1();
    case HashAlg::kSha256: return EVP_sha256();
    case HashAlg::kSha384: return EVP_sha384();
    case HashAlg::kSha512: return EVP_sha512();
  }
  std::abort();
}
}  // namespace

size_t hash_size(HashAlg alg) { return static_cast<size_t>(EVP_MD_get_size(md(alg))); }

Bytes hash(HashAlg alg, ByteView data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md(alg), nullptr) != 1) std::abort();
  out.resize(len);
  return out;
}

Bytes hmac(HashAlg alg, ByteView key, ByteView data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned len = 0;
  static const uint8_t kEmpty = 0;
  if (!HMAC(md(alg), key.empty() ? &kEmpty : key.data(), static_cast<int>(key.size()), data.data(), data.size(),
            out.data(), &len))
    std::abort();
  out.resize(len);
  return out;
}

Bytes pbkdf2(HashAlg alg, ByteView password, ByteView salt, unsigned iterations, size_t out_len) {
  Bytes out(out_len);
  if (PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password.data()), static_cast<int>(password.size()),
                        salt.data(), static_cast<int>(salt.size()), static_cast<int>(iterations), md(alg),
                        static_cast<int>(out_len), out.data()) != 1)
    std::abort();
  return out;
}
}  // namespace keydesk::crypto
