// HOTP and TOTP against the test vectors their RFCs publish.
#include "protocol/otp.h"

#include <gtest/gtest.h>

namespace keydesk::protocol::otp {
namespace {

TEST(Otp, HotpMatchesRfc4226AppendixD) {
  const Bytes secret = bytes_of("12345678901234567890");
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (uint64_t counter = 0; counter < 10; ++counter)
    EXPECT_EQ(hotp(crypto::HashAlg::kSha1, secret, counter, 6), expected[counter]) << counter;
}

TEST(Otp, DynamicTruncationMatchesRfc4226Section5_4) {
  // The worked example of section 5.4: offset 0x0A, value 0x50EF7F19, code 872921.
  const Bytes mac = *from_hex("1f8698690e02ca16618550ef7f19da8e945b555a");
  EXPECT_EQ(dynamic_truncate(mac), 0x50EF7F19u);
  EXPECT_EQ(format_code(dynamic_truncate(mac), 6), "872921");
}

TEST(Otp, TotpMatchesRfc6238AppendixB) {
  const Bytes sha1 = bytes_of("12345678901234567890");
  const Bytes sha256 = bytes_of("12345678901234567890123456789012");
  const Bytes sha512 = bytes_of("1234567890123456789012345678901234567890123456789012345678901234");
  struct Vector {
    int64_t time;
    const char* sha1;
    const char* sha256;
    const char* sha512;
  } vectors[] = {
      {59, "94287082", "46119246", "90693936"},         {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"}, {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"}, {20000000000, "65353130", "77737706", "47863826"},
  };
  for (const auto& v : vectors) {
    EXPECT_EQ(totp(crypto::HashAlg::kSha1, sha1, v.time, 30, 8), v.sha1) << v.time;
    EXPECT_EQ(totp(crypto::HashAlg::kSha256, sha256, v.time, 30, 8), v.sha256) << v.time;
    EXPECT_EQ(totp(crypto::HashAlg::kSha512, sha512, v.time, 30, 8), v.sha512) << v.time;
  }
  // T = floor(time / 30), as an 8-byte big-endian moving factor.
  EXPECT_EQ(to_hex(moving_factor(totp_counter(1111111109, 30)), true), "00000000023523EC");
}

}  // namespace
}  // namespace keydesk::protocol::otp
