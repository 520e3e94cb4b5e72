#include "card/fido/pin_protocol.h"

#include <algorithm>

#include "crypto/cipher.h"
#include "crypto/digest.h"
#include "crypto/random.h"

namespace keydesk::card::fido {
namespace {
using crypto::BlockCipher;
using crypto::HashAlg;

constexpr size_t kIvSize = 16;

// HKDF-SHA-256 (RFC 5869) with a 32-byte output: a single expand block.
Bytes hkdf_sha256_32(ByteView salt, ByteView ikm, std::string_view info) {
  Bytes prk = crypto::hmac(HashAlg::kSha256, salt, ikm);
  Bytes block(info.begin(), info.end());
  block.push_back(0x01);
  Bytes okm = crypto::hmac(HashAlg::kSha256, prk, block);
  wipe(prk);
  return okm;
}

ByteView aes_key(PinProtocol p, ByteView shared) {
  return p == PinProtocol::kOne ? shared.first(32) : shared.subspan(32, 32);
}

Error bad_key() {
  return Error::ctap(static_cast<uint8_t>(CtapStatus::kInvalidParameter), "shared secret");
}
}  // namespace

std::optional<PinProtocol> pin_protocol_from(uint64_t number) {
  if (number == 1) return PinProtocol::kOne;
  if (number == 2) return PinProtocol::kTwo;
  return std::nullopt;
}

Bytes derive_shared_secret(PinProtocol p, ByteView z) {
  if (p == PinProtocol::kOne) return crypto::hash(HashAlg::kSha256, z);
  const Bytes salt(32, 0x00);
  Bytes out = hkdf_sha256_32(salt, z, "CTAP2 HMAC key");
  Bytes aes = hkdf_sha256_32(salt, z, "CTAP2 AES key");
  append(out, aes);
  wipe(aes);
  return out;
}

Result<Bytes> shared_secret(PinProtocol p, const crypto::EcKey& ours, ByteView peer_point) {
  auto z = ours.ecdh(peer_point);
  if (!z) return bad_key();
  Bytes secret = derive_shared_secret(p, *z);
  wipe(*z);
  return secret;
}

Result<Bytes> pin_encrypt_with_iv(PinProtocol p, ByteView shared, ByteView plaintext, ByteView iv) {
  if (shared.size() < (p == PinProtocol::kOne ? 32u : 64u)) return bad_key();
  if (p == PinProtocol::kOne) {
    const Bytes zero_iv(kIvSize, 0x00);
    return crypto::cbc_encrypt(BlockCipher::kAes256, aes_key(p, shared), zero_iv, plaintext);
  }
  auto ct = crypto::cbc_encrypt(BlockCipher::kAes256, aes_key(p, shared), iv, plaintext);
  if (!ct) return ct.error();
  Bytes out(iv.begin(), iv.end());
  append(out, *ct);
  return out;
}

Result<Bytes> pin_encrypt(PinProtocol p, ByteView shared, ByteView plaintext) {
  const Bytes iv = p == PinProtocol::kTwo ? crypto::random_bytes(kIvSize) : Bytes(kIvSize, 0x00);
  return pin_encrypt_with_iv(p, shared, plaintext, iv);
}

Result<Bytes> pin_decrypt(PinProtocol p, ByteView shared, ByteView ciphertext) {
  if (shared.size() < (p == PinProtocol::kOne ? 32u : 64u)) return bad_key();
  if (p == PinProtocol::kOne) {
    if (ciphertext.empty() || ciphertext.size() % kIvSize != 0) return bad_key();
    const Bytes zero_iv(kIvSize, 0x00);
    return crypto::cbc_decrypt(BlockCipher::kAes256, aes_key(p, shared), zero_iv, ciphertext);
  }
  if (ciphertext.size() < 2 * kIvSize || ciphertext.size() % kIvSize != 0) return bad_key();
  return crypto::cbc_decrypt(BlockCipher::kAes256, aes_key(p, shared), ciphertext.first(kIvSize),
                             ciphertext.subspan(kIvSize));
}

Bytes pin_authenticate(PinProtocol p, ByteView key, ByteView message) {
  Bytes mac = crypto::hmac(HashAlg::kSha256, key.first(std::min<size_t>(key.size(), 32)), message);
  if (p == PinProtocol::kOne) mac.resize(16);
  return mac;
}

bool pin_verify(PinProtocol p, ByteView key, ByteView message, ByteView signature) {
  const Bytes expected = pin_authenticate(p, key, message);
  return signature.size() == expected.size() && equal_ct(expected, signature);
}

}  // namespace keydesk::card::fido
