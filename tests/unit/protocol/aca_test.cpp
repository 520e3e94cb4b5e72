// The XAUTH cryptogram a help desk computes without any token link (docs/aca-protocol.md section 3.5).
#include "protocol/aca.h"

#include <gtest/gtest.h>

namespace keydesk::protocol::aca {
namespace {

TEST(XauthCryptogram, IsTheBlockCipherOverOneChallengeBlock) {
  // FIPS 197 appendix C.1 (AES-128): the cryptogram of a challenge is its ECB encryption.
  const Bytes key = *from_hex("000102030405060708090a0b0c0d0e0f");
  auto cryptogram =
      xauth_cryptogram(crypto::BlockCipher::kAes128, key, *from_hex("00112233445566778899aabbccddeeff"));
  ASSERT_TRUE(cryptogram.ok()) << describe(cryptogram.error());
  EXPECT_EQ(to_hex(*cryptogram), "69c4e0d86a7b0430d8cdb78070b4c55a");
}

TEST(XauthCryptogram, RefusesAChallengeThatIsNotOneBlock) {
  const Bytes key(16, 0x11);
  for (size_t n : {0u, 8u, 15u, 17u, 32u}) {
    auto cryptogram = xauth_cryptogram(crypto::BlockCipher::kAes128, key, Bytes(n, 0x22));
    ASSERT_FALSE(cryptogram.ok()) << n;
    EXPECT_EQ(cryptogram.error().kind, ErrorKind::kUsage) << n;
  }
}

}  // namespace
}  // namespace keydesk::protocol::aca
