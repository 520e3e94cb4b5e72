#include "crypto/cipher.h"

#include <openssl/evp.h>

#include <memory>

namespace keydesk::crypto {
namespace {
const EVP_CIPHER* evp(BlockCipher c, bool cbc) {
  switch (c) {
    case BlockCipher::kTdes: return cbc ? EVP_des_ede3_cbc() : EVP_des_ede3_ecb();
    case BlockCipher::kAes128: return cbc ? EVP_aes_128_cbc() : EVP_aes_128_ecb();
    case BlockCipher::kAes192: return cbc ? EVP_aes_192_cbc() : EVP_aes_192_ecb();
    case BlockCipher::kAes256: return cbc ? EVP_aes_256_cbc() : EVP_aes_256_ecb();
  }
  return nullptr;
}

Result<Bytes> run(BlockCipher c, bool cbc, bool enc, ByteView key, ByteView iv, ByteView data) {
  if (key.size() != key_size(c)) return Error::make(ErrorKind::kCrypto, "cipher key has the wrong size");
  if (data.size() % block_size(c) != 0) return Error::make(ErrorKind::kCrypto, "data is not whole blocks");
  if (cbc && iv.size() != block_size(c)) return Error::make(ErrorKind::kCrypto, "IV has the wrong size");
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  Bytes out(data.size() + block_size(c));
  int n1 = 0, n2 = 0;
  if (!ctx || EVP_CipherInit_ex(ctx.get(), evp(c, cbc), nullptr, key.data(), cbc ? iv.data() : nullptr, enc ? 1 : 0) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
      EVP_CipherUpdate(ctx.get(), out.data(), &n1, data.data(), static_cast<int>(data.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), out.data() + n1, &n2) != 1)
    return Error::make(ErrorKind::kCrypto, "cipher operation failed");
  out.resize(static_cast<size_t>(n1 + n2));
  return out;
}
}  // namespace

size_t block_size(BlockCipher c) { return c == BlockCipher::kTdes ? 8 : 16; }
size_t key_size(BlockCipher c) {
  switch (c) {
    case BlockCipher::kTdes: return 24;
    case BlockCipher::kAes128: return 16;
    case BlockCipher::kAes192: return 24;
    case BlockCipher::kAes256: return 32;
  }
  return 0;
}
Result<Bytes> ecb_encrypt(BlockCipher c, ByteView key, ByteView data) { return run(c, false, true, key, {}, data); }
Result<Bytes> ecb_decrypt(BlockCipher c, ByteView key, ByteView data) { return run(c, false, false, key, {}, data); }
Result<Bytes> cbc_encrypt(BlockCipher c, ByteView key, ByteView iv, ByteView data) { return run(c, true, true, key, iv, data); }
Result<Bytes> cbc_decrypt(BlockCipher c, ByteView key, ByteView iv, ByteView data) { return run(c, true, false, key, iv, data); }
}  // namespace keydesk::crypto
