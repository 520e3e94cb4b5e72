// Hashes, HMAC and PBKDF2 (OpenSSL 3 EVP).
#pragma once
#include "core/bytes.h"
#include "core/result.h"

namespace keydesk::crypto {
enum class HashAlg { kSha1, kSha256, kSha384, kSha512 };
size_t hash_size(HashAlg alg);
Bytes hash(HashAlg alg, ByteView data);
Bytes hmac(HashAlg alg, ByteView key, ByteView data);
Bytes pbkdf2(HashAlg alg, ByteView password, ByteView salt, unsigned iterations, size_t out_len);
}  // namespace keydesk::crypto
