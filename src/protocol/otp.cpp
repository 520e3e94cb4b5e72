#include "protocol/otp.h"

#include <cstdio>

namespace keydesk::protocol::otp {

uint32_t dynamic_truncate(ByteView hmac) {
  const size_t offset = hmac.back() & 0x0F;
  return read_be32(hmac.subspan(offset, 4)) & 0x7FFFFFFF;
}

Bytes moving_factor(uint64_t counter) {
  Bytes out;
  append_be64(out, counter);
  return out;
}

std::string format_code(uint32_t truncated, int digits) {
  uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  char text[16];
  std::snprintf(text, sizeof text, "%0*u", digits, truncated % modulus);
  return text;
}

std::string hotp(crypto::HashAlg hash, ByteView key, uint64_t counter, int digits) {
  Bytes mac = crypto::hmac(hash, key, moving_factor(counter));
  const uint32_t value = dynamic_truncate(mac);
  wipe(mac);
  return format_code(value, digits);
}

uint64_t totp_counter(int64_t unix_time, uint32_t period) {
  return static_cast<uint64_t>(unix_time / static_cast<int64_t>(period));
}

std::string totp(crypto::HashAlg hash, ByteView key, int64_t unix_time, uint32_t period, int digits) {
  return hotp(hash, key, totp_counter(unix_time, period), digits);
}

}  // namespace keydesk::protocol::otp
