#include "crypto/random.h"

#include <openssl/rand.h>

#include <cstdlib>

namespace keydesk::crypto {
Bytes random_bytes(size_t n) {
  Bytes out(n);
  if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) std::abort();
  return out;
}
}  // namespace keydesk::crypto
