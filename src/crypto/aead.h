// AES-256-GCM (NIST SP 800-38D) with a 96-bit nonce and a 128-bit tag: the record store's sealing.
#pragma once
#include "core/bytes.h"
#include "core/result.h"
#include "core/secure_bytes.h"

namespace keydesk::crypto {
inline constexpr size_t kGcmKeySize = 32;
inline constexpr size_t kGcmNonceSize = 12;
inline constexpr size_t kGcmTagSize = 16;
// ciphertext || tag. The key must be 32 bytes and the nonce 12 (kUsage otherwise).
Result<Bytes> aes256_gcm_seal(ByteView key, ByteView nonce, ByteView aad, ByteView plaintext);
// The plaintext, or kIntegrity when the tag does not verify (wrong key, nonce, AAD or data).
Result<SecureBytes> aes256_gcm_open(ByteView key, ByteView nonce, ByteView aad, ByteView ciphertext_and_tag);
}  // namespace keydesk::crypto
