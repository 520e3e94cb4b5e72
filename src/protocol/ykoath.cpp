#include "protocol/ykoath.h"

#include "crypto/digest.h"

namespace keydesk::protocol::ykoath {

Bytes derive_access_key(std::string_view password, ByteView salt) {
  Bytes secret = bytes_of(password);
  Bytes key = crypto::pbkdf2(crypto::HashAlg::kSha1, secret, salt, kAccessKeyIterations, kAccessKeySize);
  wipe(secret);
  return key;
}

}  // namespace keydesk::protocol::ykoath
