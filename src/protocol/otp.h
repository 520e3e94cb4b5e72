// One-time passwords, pure: HOTP (RFC 4226) and TOTP (RFC 6238). The card's YKOATH applet computes with
// them, the host session formats the card's answers with them, and a validation server can check a code
// with no token at all.
#pragma once

#include <cstdint>
#include <string>

#include "core/bytes.h"
#include "crypto/digest.h"

namespace keydesk::protocol::otp {

// RFC 4226 section 5.3: 4 bytes of the HMAC at offset (last byte & 0x0F), top bit cleared.
uint32_t dynamic_truncate(ByteView hmac);
// The moving factor as HMAC input: 8 bytes, big-endian.
Bytes moving_factor(uint64_t counter);
// A truncated value as a zero-padded code of `digits` (6..8) decimal digits.
std::string format_code(uint32_t truncated, int digits);

// RFC 4226: the code for `counter`.
std::string hotp(crypto::HashAlg hash, ByteView key, uint64_t counter, int digits);
// RFC 6238: T = floor((unix_time - T0) / period) with T0 = 0; `period` > 0 and `unix_time` >= 0.
uint64_t totp_counter(int64_t unix_time, uint32_t period);
std::string totp(crypto::HashAlg hash, ByteView key, int64_t unix_time, uint32_t period, int digits);

}  // namespace keydesk::protocol::otp
