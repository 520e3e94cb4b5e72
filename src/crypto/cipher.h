// Block ciphers without padding: single-block ECB (PIV management key, XAUTH) and CBC (CTAP PIN protocols).
#pragma once
#include "core/bytes.h"
#include "core/result.h"

namespace keydesk::crypto {
enum class BlockCipher { kTdes, kAes128, kAes192, kAes256 };
size_t block_size(BlockCipher c);
size_t key_size(BlockCipher c);
// ECB over whole blocks (data size must be a multiple of the block size; key of the right size).
Result<Bytes> ecb_encrypt(BlockCipher c, ByteView key, ByteView data);
Result<Bytes> ecb_decrypt(BlockCipher c, ByteView key, ByteView data);
// CBC without padding.
Result<Bytes> cbc_encrypt(BlockCipher c, ByteView key, ByteView iv, ByteView data);
Result<Bytes> cbc_decrypt(BlockCipher c, ByteView key, ByteView iv, ByteView data);
}  // namespace keydesk::crypto
