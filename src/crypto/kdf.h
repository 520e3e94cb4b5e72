// HKDF (RFC 5869) with SHA-256: the record store derives its sub-keys from the data key with it.
#pragma once
#include "core/bytes.h"
#include "core/secure_bytes.h"

namespace keydesk::crypto {
SecureBytes hkdf_sha256(ByteView input_key, ByteView salt, ByteView info, size_t out_len);
}  // namespace keydesk::crypto
