// Encryption and MAC of PSKC values (RFC 6030 §6.1): algorithm URIs, AES-CBC with the IV prepended and
// PKCS#7 padding (§6.4), AES key wrap (RFC 3394), and the HMAC ValueMAC over IV || ciphertext.
#pragma once

#include <optional>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"
#include "core/secure_bytes.h"
#include "crypto/digest.h"

namespace keydesk::pskc {

enum class ValueCipher : uint8_t { kAes128Cbc, kAes192Cbc, kAes256Cbc, kKwAes128, kKwAes192, kKwAes256 };

std::optional<ValueCipher> value_cipher_from_uri(std::string_view uri);
std::string_view value_cipher_uri(ValueCipher c);
size_t value_cipher_key_size(ValueCipher c);
// CBC modes carry no integrity of their own: RFC 6030 §6.1.1 requires a ValueMAC with them.
bool value_cipher_needs_mac(ValueCipher c);

std::optional<crypto::HashAlg> mac_from_uri(std::string_view uri);
std::string_view mac_uri(crypto::HashAlg alg);

// A structure error naming `where` when `size` cannot be a CipherValue of `c` (CBC: a 16-byte IV and whole
// 16-byte blocks; key wrap: whole 8-byte blocks, at least two). Checked before the MAC: lengths are public.
Status check_cipher_value_length(ValueCipher c, size_t size, std::string_view where);
// Decrypts a CipherValue. A bad padding or a failed unwrap is reported exactly like a MAC mismatch
// (Code::kWrongKeyOrDamaged) so that nobody can tell which one failed. A length that cannot be a
// ciphertext (no IV, not whole blocks) is a structure error naming `where`.
Result<SecureBytes> decrypt_value(ValueCipher c, ByteView key, ByteView cipher_value, std::string_view where);
// Encrypts with a fresh random IV (CBC) and returns IV || ciphertext.
Result<Bytes> encrypt_value(ValueCipher c, ByteView key, ByteView plaintext);

Error wrong_key_or_damaged(std::string_view where);

}  // namespace keydesk::pskc
