// Base64 as XML Schema's xs:base64Binary (RFC 4648 §4 alphabet, '=' padding, whitespace allowed between
// characters): strict, so a truncated or altered value is an error rather than a shorter value.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/secure_bytes.h"

namespace keydesk::pskc {

// nullopt on a character outside the alphabet, a length that is not a multiple of 4 after whitespace is
// removed, misplaced padding, or non-zero bits in the last character before the padding.
std::optional<Bytes> base64_decode(std::string_view text);
std::optional<SecureBytes> base64_decode_secure(std::string_view text);
std::string base64_encode(ByteView bytes);

}  // namespace keydesk::pskc
