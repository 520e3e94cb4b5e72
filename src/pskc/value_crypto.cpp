#include "pskc/value_crypto.h"

#include <openssl/evp.h>

#include <memory>

#include "crypto/cipher.h"
#include "crypto/random.h"
#include "pskc/pskc.h"

namespace keydesk::pskc {
namespace {

struct CipherInfo {
  ValueCipher cipher;
  std::string_view uri;
  size_t key_size;
  bool cbc;
};
// XML Encryption 1.0 §5.2 (block encryption) and §5.6.3 (AES key wrap) identifiers.
constexpr CipherInfo kCiphers[] = {
    {ValueCipher::kAes128Cbc, "http://www.w3.org/2001/04/xmlenc#aes128-cbc", 16, true},
    {ValueCipher::kAes192Cbc, "http://www.w3.org/2001/04/xmlenc#aes192-cbc", 24, true},
    {ValueCipher::kAes256Cbc, "http://www.w3.org/2001/04/xmlenc#aes256-cbc", 32, true},
    {ValueCipher::kKwAes128, "http://www.w3.org/2001/04/xmlenc#kw-aes128", 16, false},
    {ValueCipher::kKwAes192, "http://www.w3.org/2001/04/xmlenc#kw-aes192", 24, false},
    {ValueCipher::kKwAes256, "http://www.w3.org/2001/04/xmlenc#kw-aes256", 32, false},
};

const CipherInfo& info(ValueCipher c) {
  for (const auto& i : kCiphers)
    if (i.cipher == c) return i;
  return kCiphers[0];
}

struct MacInfo {
  crypto::HashAlg alg;
  std::string_view uri;
};
// RFC 6030 §6.1.1 (hmac-sha1, XML Signature) and RFC 4051 §2.2.2 (the xmldsig-more HMAC-SHA2 identifiers).
constexpr MacInfo kMacs[] = {
    {crypto::HashAlg::kSha1, "http://www.w3.org/2000/09/xmldsig#hmac-sha1"},
    {crypto::HashAlg::kSha256, "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"},
    {crypto::HashAlg::kSha384, "http://www.w3.org/2001/04/xmldsig-more#hmac-sha384"},
    {crypto::HashAlg::kSha512, "http://www.w3.org/2001/04/xmldsig-more#hmac-sha512"},
};

crypto::BlockCipher block_cipher(ValueCipher c) {
  switch (info(c).key_size) {
    case 24:
      return crypto::BlockCipher::kAes192;
    case 32:
      return crypto::BlockCipher::kAes256;
    default:
      return crypto::BlockCipher::kAes128;
  }
}

const EVP_CIPHER* wrap_cipher(ValueCipher c, bool rfc5649) {
  switch (info(c).key_size) {
    case 24:
      return rfc5649 ? EVP_aes_192_wrap_pad() : EVP_aes_192_wrap();
    case 32:
      return rfc5649 ? EVP_aes_256_wrap_pad() : EVP_aes_256_wrap();
    default:
      return rfc5649 ? EVP_aes_128_wrap_pad() : EVP_aes_128_wrap();
  }
}

Error length_error(std::string_view where, std::string_view what) {
  return Error::make(ErrorKind::kMalformed, "PSKC: " + std::string(where) + ": " + std::string(what),
                     static_cast<uint32_t>(Code::kStructure));
}

// RFC 3394 key wrap through OpenSSL (the unwrap checks the integrity value A6A6...); with rfc5649 the
// padded variant (RFC 5649, alternative IV A65959A6 || length).
Result<SecureBytes> key_wrap(ValueCipher c, bool rfc5649, bool wrap, ByteView key, ByteView in) {
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      EVP_CIPHER_CTX_free);
  if (!ctx) return Error::make(ErrorKind::kCrypto, "PSKC: cipher context");
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  SecureBytes out(in.size() + 16);
  int n1 = 0, n2 = 0;
  const bool ok = EVP_CipherInit_ex(ctx.get(), wrap_cipher(c, rfc5649), nullptr, key.data(), nullptr,
                                    wrap ? 1 : 0) == 1 &&
                  EVP_CipherUpdate(ctx.get(), out.data(), &n1, in.data(), static_cast<int>(in.size())) == 1 &&
                  EVP_CipherFinal_ex(ctx.get(), out.data() + n1, &n2) == 1;
  if (!ok || n1 < 0) return Error::make(ErrorKind::kCrypto, "key wrap failed");
  out.resize(static_cast<size_t>(n1 + n2));
  return out;
}

}  // namespace

std::optional<ValueCipher> value_cipher_from_uri(std::string_view uri) {
  for (const auto& i : kCiphers)
    if (i.uri == uri) return i.cipher;
  return std::nullopt;
}
std::string_view value_cipher_uri(ValueCipher c) {
  return info(c).uri;
}
size_t value_cipher_key_size(ValueCipher c) {
  return info(c).key_size;
}
bool value_cipher_needs_mac(ValueCipher c) {
  return info(c).cbc;
}

std::optional<crypto::HashAlg> mac_from_uri(std::string_view uri) {
  for (const auto& m : kMacs)
    if (m.uri == uri) return m.alg;
  return std::nullopt;
}
std::string_view mac_uri(crypto::HashAlg alg) {
  for (const auto& m : kMacs)
    if (m.alg == alg) return m.uri;
  return kMacs[0].uri;
}

Error wrong_key_or_damaged(std::string_view where) {
  return Error::make(ErrorKind::kRefused,
                     "PSKC: wrong key or passphrase, or damaged file (" + std::string(where) + ")",
                     static_cast<uint32_t>(Code::kWrongKeyOrDamaged));
}

Status check_cipher_value_length(ValueCipher c, size_t size, std::string_view where) {
  if (!info(c).cbc) {
    // RFC 3394 needs n >= 2 64-bit blocks of key data plus the 8-byte integrity block; RFC 5649 allows one.
    if (size < 16 || size % 8 != 0)
      return length_error(where, "key-wrapped value is not a whole number of 8-byte blocks (at least 16)");
    return {};
  }
  // RFC 6030 §6.1 / XML Encryption §5.2: CipherValue = IV (one block) || ciphertext (whole blocks).
  if (size < 32 || size % 16 != 0)
    return length_error(where, "CipherValue must be a 16-byte IV followed by whole 16-byte blocks");
  return {};
}

Result<SecureBytes> decrypt_value(ValueCipher c, ByteView key, ByteView cipher_value,
                                  std::string_view where) {
  if (key.size() != value_cipher_key_size(c)) return wrong_key_or_damaged(where);
  KD_TRY(check_cipher_value_length(c, cipher_value.size(), where));
  if (!info(c).cbc) {
    // python-pskc writes values whose length is not a multiple of 8 under the same #kw-aes URI with RFC
    // 5649 padding; the integrity value tells the two apart, so either unwrap may succeed, never both.
    auto out = key_wrap(c, false, false, key, cipher_value);
    if (!out.ok()) out = key_wrap(c, true, false, key, cipher_value);
    if (!out.ok()) return wrong_key_or_damaged(where);
    return out;
  }
  constexpr size_t kBlock = 16;
  auto plain =
      crypto::cbc_decrypt(block_cipher(c), key, cipher_value.first(kBlock), cipher_value.subspan(kBlock));
  if (!plain.ok()) return Error::make(ErrorKind::kCrypto, "PSKC: AES-CBC failed");
  Bytes& p = plain.value();
  // PKCS#7 padding (RFC 6030 §6.4), checked without data-dependent branches over the last block.
  const uint8_t pad = p.back();
  unsigned bad = static_cast<unsigned>(pad == 0) | static_cast<unsigned>(pad > kBlock);
  for (size_t i = 0; i < kBlock; ++i) {
    const uint8_t b = p[p.size() - 1 - i];
    const unsigned in_pad = static_cast<unsigned>(i < pad);
    bad |= in_pad & static_cast<unsigned>(b != pad);
  }
  if (bad != 0) {
    wipe(p);
    return wrong_key_or_damaged(where);
  }
  SecureBytes out(p.begin(), p.end() - pad);
  wipe(p);
  return out;
}

Result<Bytes> encrypt_value(ValueCipher c, ByteView key, ByteView plaintext) {
  if (key.size() != value_cipher_key_size(c))
    return Error::make(ErrorKind::kUsage, "PSKC: encryption key has the wrong size");
  if (!info(c).cbc) {
    KD_ASSIGN_OR_RETURN(SecureBytes wrapped, key_wrap(c, plaintext.size() % 8 != 0 || plaintext.size() < 16,
                                                      true, key, plaintext));
    return Bytes(wrapped.begin(), wrapped.end());
  }
  constexpr size_t kBlock = 16;
  const size_t pad = kBlock - plaintext.size() % kBlock;
  SecureBytes padded(plaintext.begin(), plaintext.end());
  padded.insert(padded.end(), pad, static_cast<uint8_t>(pad));
  Bytes out = crypto::random_bytes(kBlock);
  KD_ASSIGN_OR_RETURN(Bytes ct, crypto::cbc_encrypt(block_cipher(c), key, out, padded));
  append(out, ct);
  return out;
}

}  // namespace keydesk::pskc
