#include "provision/derivation.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <array>

#include "crypto/digest.h"
#include "crypto/random.h"

namespace keydesk::provision {

namespace {
constexpr std::string_view kPukLabel = "keydesk-puk-v1";
constexpr std::string_view kXauthLabel = "keydesk-xauth-v1";

uint64_t power_of_ten(int n) {
  uint64_t p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

std::string zero_padded(uint64_t value, int length) {
  std::string s(static_cast<size_t>(length), '0');
  for (int i = length - 1; i >= 0; --i) {
    s[static_cast<size_t>(i)] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return s;
}
}  // namespace

bool is_weak_digits(std::string_view d) {
  if (d.empty()) return true;
  for (char c : d)
    if (c < '0' || c > '9') return false;  // not digits at all: not this rule's business
  bool same = true, up = true, down = true;
  for (size_t i = 1; i < d.size(); ++i) {
    const int prev = d[i - 1] - '0', cur = d[i] - '0';
    same = same && cur == prev;
    up = up && cur == (prev + 1) % 10;
    down = down && cur == (prev + 9) % 10;
  }
  return same || up || down || d == "123456" || d == "12345678";
}

SecureString random_digits(int length, std::string_view avoid) {
  if (length < 4 || length > 16) length = length < 4 ? 4 : 16;
  for (;;) {
    std::string digits;
    digits.reserve(static_cast<size_t>(length));
    while (digits.size() < static_cast<size_t>(length)) {
      Bytes pool = crypto::random_bytes(32);
      for (uint8_t b : pool) {
        // 250 = 25 * 10: bytes 250..255 would favour 0..5.
        if (b < 250 && digits.size() < static_cast<size_t>(length)) digits += static_cast<char>('0' + b % 10);
      }
      OPENSSL_cleanse(pool.data(), pool.size());
    }
    SecureString out(digits);
    OPENSSL_cleanse(digits.data(), digits.size());
    if (!is_weak_digits(out.view()) && out.view() != avoid) return out;
  }
}

Result<SecureString> derive_puk(ByteView master, const iso7816::Cuid& cuid, int length) {
  if (length < 6 || length > 8) return Error::make(ErrorKind::kUsage, "a derived PUK has 6 to 8 digits");
  if (master.size() < 16)
    return Error::make(ErrorKind::kUsage, "the PUK derivation master is shorter than 16 bytes");
  const uint64_t modulus = power_of_ten(length);
  const uint64_t bound = (uint64_t{1} << 32) / modulus * modulus;
  // Each block yields eight candidates; the chance that 64 blocks yield nothing is below 2^-1000.
  for (uint32_t j = 0; j < 64; ++j) {
    Bytes message = bytes_of(kPukLabel);
    message.push_back(0x00);
    append(message, cuid.bytes());
    append_be32(message, j);
    Bytes block = crypto::hmac(crypto::HashAlg::kSha256, master, message);
    for (size_t w = 0; w + 4 <= block.size(); w += 4) {
      const uint32_t word = read_be32(ByteView(block).subspan(w, 4));
      if (word >= bound) continue;
      std::string candidate = zero_padded(word % modulus, length);
      if (is_weak_digits(candidate)) {
        OPENSSL_cleanse(candidate.data(), candidate.size());
        continue;
      }
      SecureString out(candidate);
      OPENSSL_cleanse(candidate.data(), candidate.size());
      OPENSSL_cleanse(block.data(), block.size());
      return out;
    }
    OPENSSL_cleanse(block.data(), block.size());
  }
  return Error::make(ErrorKind::kCrypto, "PUK derivation found no acceptable value");
}

uint8_t aca_algorithm_id(crypto::BlockCipher cipher) {
  switch (cipher) {
    case crypto::BlockCipher::kTdes:
      return 0x03;
    case crypto::BlockCipher::kAes128:
      return 0x08;
    case crypto::BlockCipher::kAes192:
      return 0x0A;
    case crypto::BlockCipher::kAes256:
      return 0x0C;
  }
  return 0;
}

const char* cipher_name(crypto::BlockCipher cipher) {
  switch (cipher) {
    case crypto::BlockCipher::kTdes:
      return "tdes";
    case crypto::BlockCipher::kAes128:
      return "aes128";
    case crypto::BlockCipher::kAes192:
      return "aes192";
    case crypto::BlockCipher::kAes256:
      return "aes256";
  }
  return "?";
}

Result<SecureBytes> kbkdf_cmac(ByteView key, ByteView label, ByteView context, size_t out_bytes) {
  const char* cipher = nullptr;
  switch (key.size()) {
    case 16:
      cipher = "AES-128-CBC";
      break;
    case 24:
      cipher = "AES-192-CBC";
      break;
    case 32:
      cipher = "AES-256-CBC";
      break;
    default:
      return Error::make(ErrorKind::kUsage, "a CMAC key is 16, 24 or 32 bytes");
  }
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "KBKDF", nullptr);
  if (!kdf) return Error::make(ErrorKind::kCrypto, "OpenSSL has no KBKDF");
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (!ctx) return Error::make(ErrorKind::kCrypto, "KBKDF context");
  char mode[] = "COUNTER", mac[] = "CMAC";
  std::string cipher_name_buf(cipher);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, mode, 0),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, mac, 0),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_CIPHER, cipher_name_buf.data(), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(key.data()), key.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(label.data()),
                                        label.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<uint8_t*>(context.data()),
                                        context.size()),
      OSSL_PARAM_construct_end()};
  SecureBytes out(out_bytes);
  const int ok = EVP_KDF_derive(ctx, out.data(), out.size(), params);
  EVP_KDF_CTX_free(ctx);
  if (ok != 1) return Error::make(ErrorKind::kCrypto, "KBKDF derivation");
  return out;
}

void set_odd_parity(SecureBytes& key) {
  for (auto& b : key) {
    const uint8_t high = b & 0xFE;
    b = static_cast<uint8_t>(high | ((__builtin_popcount(high) % 2 == 0) ? 1 : 0));
  }
}

bool is_weak_tdes_key(ByteView key) {
  // The 4 weak and 12 semi-weak DES keys (FIPS 74 section 3.6), with odd parity.
  static constexpr std::array<uint64_t, 16> kWeak = {
      0x0101010101010101, 0xFEFEFEFEFEFEFEFE, 0xE0E0E0E0F1F1F1F1, 0x1F1F1F1F0E0E0E0E,
      0x01FE01FE01FE01FE, 0xFE01FE01FE01FE01, 0x1FE01FE00EF10EF1, 0xE01FE01FF10EF10E,
      0x01E001E001F101F1, 0xE001E001F101F101, 0x1FFE1FFE0EFE0EFE, 0xFE1FFE1FFE0EFE0E,
      0x011F011F010E010E, 0x1F011F010E010E01, 0xE0FEE0FEF1FEF1FE, 0xFEE0FEE0FEF1FEF1};
  if (key.size() != 24) return true;
  std::array<uint64_t, 3> part{};
  for (size_t k = 0; k < 3; ++k) {
    uint64_t v = 0;
    for (size_t i = 0; i < 8; ++i) v = (v << 8) | (key[k * 8 + i] & 0xFE);
    part[k] = v;
    for (uint64_t w : kWeak)
      if ((w & 0xFEFEFEFEFEFEFEFEull) == v) return true;
  }
  return part[0] == part[1] || part[1] == part[2] || part[0] == part[2];
}

Result<SecureBytes> diversify_admin_key(ByteView master, const iso7816::Cuid& cuid,
                                        crypto::BlockCipher cipher) {
  if (master.size() != 32)
    return Error::make(ErrorKind::kUsage, "the admin key master is a 32-byte AES-256 key");
  Bytes context(cuid.bytes().begin(), cuid.bytes().end());
  context.push_back(aca_algorithm_id(cipher));
  KD_ASSIGN_OR_RETURN(SecureBytes key,
                      kbkdf_cmac(master, bytes_of(kXauthLabel), context, crypto::key_size(cipher)));
  if (cipher == crypto::BlockCipher::kTdes) {
    set_odd_parity(key);
    if (is_weak_tdes_key(key))
      return Error::make(ErrorKind::kCrypto,
                         "the derived 3DES admin key is weak for this CUID: use a new master");
  }
  return key;
}

SecureBytes random_block_key(crypto::BlockCipher cipher) {
  for (;;) {
    Bytes raw = crypto::random_bytes(crypto::key_size(cipher));
    SecureBytes key(raw.begin(), raw.end());
    OPENSSL_cleanse(raw.data(), raw.size());
    if (cipher != crypto::BlockCipher::kTdes) return key;
    set_odd_parity(key);
    if (!is_weak_tdes_key(key)) return key;
  }
}

Result<std::string> key_check_value(crypto::BlockCipher cipher, ByteView key) {
  const Bytes zero(crypto::block_size(cipher), 0);
  KD_ASSIGN_OR_RETURN(Bytes block, crypto::ecb_encrypt(cipher, key, zero));
  return to_hex(ByteView(block).first(3), true);
}

}  // namespace keydesk::provision
