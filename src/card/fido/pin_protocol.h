// PIN/UV auth protocols one and two (CTAP 2.1 sections 6.5.6 and 6.5.7): the shared secret derived
// from an ECDH exchange, and encrypt / decrypt / authenticate with it or with a pinUvAuthToken.
#pragma once

#include <cstdint>
#include <optional>

#include "core/bytes.h"
#include "core/result.h"
#include "crypto/ec_key.h"
#include "protocol/ctap.h"

namespace keydesk::card::fido {

enum class PinProtocol : uint8_t { kOne = 1, kTwo = 2 };

std::optional<PinProtocol> pin_protocol_from(uint64_t number);

// KDF(Z): protocol 1 = SHA-256(Z) (32 bytes, used for HMAC and AES); protocol 2 = HKDF "CTAP2 HMAC key"
// || HKDF "CTAP2 AES key" (64 bytes).
Bytes derive_shared_secret(PinProtocol p, ByteView z);
// ECDH of our key with the platform's COSE point, then KDF. Fails for a point not on the curve.
Result<Bytes> shared_secret(PinProtocol p, const crypto::EcKey& ours, ByteView peer_point);

// Protocol 1: AES-256-CBC with a zero IV; protocol 2: a random IV prepended to the ciphertext.
Result<Bytes> pin_encrypt(PinProtocol p, ByteView shared, ByteView plaintext);
// The same with a given IV (protocol 2 only; test vectors).
Result<Bytes> pin_encrypt_with_iv(PinProtocol p, ByteView shared, ByteView plaintext, ByteView iv);
Result<Bytes> pin_decrypt(PinProtocol p, ByteView shared, ByteView ciphertext);
// HMAC-SHA-256 keyed with the first 32 bytes of `key` (a shared secret or a pinUvAuthToken);
// protocol 1 keeps the first 16 bytes.
Bytes pin_authenticate(PinProtocol p, ByteView key, ByteView message);
// Constant-time check of a pinUvAuthParam.
bool pin_verify(PinProtocol p, ByteView key, ByteView message, ByteView signature);

}  // namespace keydesk::card::fido
