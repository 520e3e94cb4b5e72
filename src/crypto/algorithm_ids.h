// Wire identifiers of algorithms, shared by the card side and the host side so that each mapping exists
// once: the SP 800-78 / PIV symmetric algorithm ids (PIV management key, ACA XAUTH key) and the YKOATH
// hash nibble.
#pragma once

#include <cstdint>
#include <optional>

#include "crypto/cipher.h"
#include "crypto/digest.h"

namespace keydesk::crypto {

// 03 = 3DES, 08 = AES-128, 0A = AES-192, 0C = AES-256.
std::optional<BlockCipher> block_cipher_from_piv_id(uint8_t id);
uint8_t piv_id_of(BlockCipher cipher);

// YKOATH: low nibble of the type/algorithm byte. 1 = SHA-1, 2 = SHA-256, 3 = SHA-512.
std::optional<HashAlg> hash_from_oath_nibble(uint8_t nibble);
uint8_t oath_nibble_of(HashAlg hash);  // SHA-384 has no YKOATH id and maps to SHA-1's

}  // namespace keydesk::crypto
