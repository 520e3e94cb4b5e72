#include "protocol/aca.h"

namespace keydesk::protocol::aca {

Result<Bytes> xauth_cryptogram(crypto::BlockCipher cipher, ByteView key, ByteView challenge) {
  if (challenge.size() != crypto::block_size(cipher))
    return Error::make(ErrorKind::kUsage, "the challenge must be exactly one cipher block");
  return crypto::ecb_encrypt(cipher, key, challenge);
}

}  // namespace keydesk::protocol::aca
