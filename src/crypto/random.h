#pragma once
#include "core/bytes.h"
namespace keydesk::crypto {
// Cryptographically secure random bytes (OpenSSL RAND_bytes); aborts if the RNG fails.
Bytes random_bytes(size_t n);
}  // namespace keydesk::crypto
