// The secrets provisioning makes, as pure functions with documented algorithms and test vectors
// (docs/provisioning.md, "Derivations"):
//   derive_puk           HMAC-SHA-256 of the CUID under a master secret, mapped to decimal digits without
//                        modulo bias; recomputable by anyone holding the master
//   random_digits        a uniformly random PIN or PUK, never a trivially weak value
//   diversify_admin_key  the ACA's XAUTH key for one token: NIST SP 800-108 KDF in counter mode with
//                        AES-CMAC, label "keydesk-xauth-v1", context = CUID || algorithm id
//   random_block_key     a random management key (3DES with odd parity and no weak DES part, or AES)
//   key_check_value      first 3 bytes of E_K(zero block): the KCV Microsoft's TPM virtual smart cards use
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"
#include "core/secure_bytes.h"
#include "crypto/cipher.h"
#include "iso7816/cuid.h"

namespace keydesk::provision {

// A value nobody should hold as a PIN or PUK: one digit repeated (000000), a run up or down with wrap
// (123456, 890123, 654321), or the published defaults of the tokens keydesk provisions (123456, 12345678).
bool is_weak_digits(std::string_view digits);

// `length` (4..16) uniformly random decimal digits from OpenSSL's DRBG (rejection sampling per digit),
// drawn again while is_weak_digits() or equal to `avoid` (the token's current value).
SecureString random_digits(int length, std::string_view avoid = {});

// PUK = the first acceptable candidate from the stream
//   block_j  = HMAC-SHA-256(master, "keydesk-puk-v1" || 0x00 || CUID (10 bytes) || [j]_32), j = 0, 1, ...
//   words    = each block cut into eight 32-bit big-endian words, in order
//   accept w if w < floor(2^32 / 10^length) * 10^length; candidate = w mod 10^length, zero-padded
//   skip a candidate that is_weak_digits()
// The bound makes every value equally likely (no modulo bias). length 6..8; the master at least 16 bytes.
Result<SecureString> derive_puk(ByteView master, const iso7816::Cuid& cuid, int length);

// The ACA's algorithm identifier (docs/aca-protocol.md 3.7): 03 3DES, 08 AES-128, 0A AES-192, 0C AES-256.
uint8_t aca_algorithm_id(crypto::BlockCipher cipher);
const char* cipher_name(crypto::BlockCipher cipher);  // "tdes", "aes128", "aes192", "aes256"

// K_token = KDF_CTR(KI = master, PRF = CMAC-AES-256,
//                   fixed input = "keydesk-xauth-v1" || 0x00 || CUID (10) || alg id (1) || [L]_32),
//           counter [i]_32 before the fixed input (SP 800-108r1 section 4.1), L = key size in bits;
//           3DES: each byte's low bit set for odd parity, and refused (kCrypto) if K1 = K2, K2 = K3 or a
//           part is a weak or semi-weak DES key (about 2^-50: derive under a new master).
// The master is 32 bytes (an AES-256 key).
Result<SecureBytes> diversify_admin_key(ByteView master, const iso7816::Cuid& cuid,
                                        crypto::BlockCipher cipher);

// A random key for `cipher`; 3DES with odd parity and no weak part.
SecureBytes random_block_key(crypto::BlockCipher cipher);

// True for a 3DES key whose parts are pairwise equal or weak/semi-weak DES keys (ignoring parity).
bool is_weak_tdes_key(ByteView key);
void set_odd_parity(SecureBytes& key);

// First 3 bytes of E_K(0^blocksize) (ECB), upper-case hex: the key check value a record keeps in place
// of the key. The default PIV management key's KCV is B073DC.
Result<std::string> key_check_value(crypto::BlockCipher cipher, ByteView key);

// SP 800-108 counter-mode KDF with CMAC (OpenSSL's KBKDF): exposed for the test vectors.
Result<SecureBytes> kbkdf_cmac(ByteView key, ByteView label, ByteView context, size_t out_bytes);

}  // namespace keydesk::provision
