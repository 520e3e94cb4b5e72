#include "crypto/aead.h"

#include <openssl/evp.h>

#include <memory>

namespace keydesk::crypto {
namespace {
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

Status check_sizes(ByteView key, ByteView nonce) {
  if (key.size() != kGcmKeySize) return Error::make(ErrorKind::kUsage, "AES-256-GCM needs a 32-byte key");
  if (nonce.size() != kGcmNonceSize)
    return Error::make(ErrorKind::kUsage, "AES-256-GCM needs a 12-byte nonce");
  return {};
}
}  // namespace

Result<Bytes> aes256_gcm_seal(ByteView key, ByteView nonce, ByteView aad, ByteView plaintext) {
  KD_TRY(check_sizes(key, nonce));
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  Bytes out(plaintext.size() + kGcmTagSize);
  int len = 0, total = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce.data()) != 1 ||
      (!aad.empty() &&
       EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &len, plaintext.data(), static_cast<int>(plaintext.size())) !=
          1)
    return Error::make(ErrorKind::kCrypto, "AES-256-GCM seal");
  total = len;
  if (EVP_EncryptFinal_ex(ctx.get(), out.data() + total, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmTagSize),
                          out.data() + total + len) != 1)
    return Error::make(ErrorKind::kCrypto, "AES-256-GCM seal");
  return out;
}

Result<SecureBytes> aes256_gcm_open(ByteView key, ByteView nonce, ByteView aad, ByteView sealed) {
  KD_TRY(check_sizes(key, nonce));
  if (sealed.size() < kGcmTagSize)
    return Error::make(ErrorKind::kIntegrity, "AES-256-GCM: ciphertext too short");
  const size_t ct_len = sealed.size() - kGcmTagSize;
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  SecureBytes out(ct_len);
  int len = 0;
  Bytes tag(sealed.begin() + static_cast<std::ptrdiff_t>(ct_len), sealed.end());
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce.data()) != 1 ||
      (!aad.empty() &&
       EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) ||
      EVP_DecryptUpdate(ctx.get(), out.data(), &len, sealed.data(), static_cast<int>(ct_len)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kGcmTagSize), tag.data()) != 1)
    return Error::make(ErrorKind::kCrypto, "AES-256-GCM open");
  if (EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &len) != 1)
    return Error::make(ErrorKind::kIntegrity, "AES-256-GCM: authentication tag does not verify");
  return out;
}
}  // namespace keydesk::crypto
