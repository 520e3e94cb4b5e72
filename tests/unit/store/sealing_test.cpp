// Sealing: what a sealed value binds (purpose, subject, field, data-key generation, store) and its format.
#include "store/sealing.h"

#include <gtest/gtest.h>

namespace keydesk::store {
namespace {

SecureBytes key_of(uint8_t fill) {
  return SecureBytes(32, fill);
}

TEST(Sealing, OpensOnlyUnderTheSameCuidFieldPurposeAndStore) {
  const KeyRing keys(key_of(1), 1, "store-a");
  const Bytes puk = bytes_of("12345678");
  const Bytes sealed = *keys.seal({"token-secret", "0102030405060708090A", "puk"}, puk);
  auto opened = keys.open({"token-secret", "0102030405060708090A", "puk"}, sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(Bytes(opened->begin(), opened->end()), puk);

  // Moved to another token, another field, another purpose: does not open, and says so without the value.
  for (const SealContext& elsewhere : {SealContext{"token-secret", "0102030405060708090B", "puk"},
                                       SealContext{"token-secret", "0102030405060708090A", "initial-pin"},
                                       SealContext{"vault", "0102030405060708090A", "puk"}}) {
    auto r = keys.open(elsewhere, sealed);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::kIntegrity);
    EXPECT_NE(r.error().context.find("does not open"), std::string::npos);
    EXPECT_EQ(r.error().context.find("12345678"), std::string::npos);
  }
  // Another store with the same data key bytes (different HKDF salt), another data key.
  EXPECT_FALSE(
      KeyRing(key_of(1), 1, "store-b").open({"token-secret", "0102030405060708090A", "puk"}, sealed).ok());
  EXPECT_FALSE(
      KeyRing(key_of(2), 1, "store-a").open({"token-secret", "0102030405060708090A", "puk"}, sealed).ok());
}

TEST(Sealing, FormatHeaderNonceAndGenerationAreBound) {
  const KeyRing keys(key_of(1), 7, "s");
  const SealContext c{"token-secret", "0102030405060708090A", "puk"};
  const Bytes a = *keys.seal(c, bytes_of("1234"));
  const Bytes b = *keys.seal(c, bytes_of("1234"));
  ASSERT_EQ(a.size(), 1u + 4 + 12 + 4 + 16);
  EXPECT_EQ(a[0], 0x01);
  EXPECT_EQ(read_be32(ByteView(a).subspan(1, 4)), 7u);
  EXPECT_NE(a, b) << "a fresh random nonce per seal";
  // A header claiming another generation is refused by name.
  Bytes other = a;
  other[4] = 8;
  auto r = keys.open(c, other);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().context.find("generation 8"), std::string::npos);
  // Same generation number but a different key ring generation: refused.
  EXPECT_FALSE(KeyRing(key_of(1), 8, "s").open(c, a).ok());
  // Truncated or not a sealed value at all.
  EXPECT_FALSE(keys.open(c, ByteView(a).first(20)).ok());
  EXPECT_FALSE(keys.open(c, bytes_of("plaintext-that-is-long-enough-to-pass")).ok());
}

TEST(Sealing, SubKeysAreDistinct) {
  const KeyRing keys(key_of(3), 1, "s");
  EXPECT_NE(keys.audit_mac(bytes_of("x")), keys.record_mac(bytes_of("x")));
  EXPECT_EQ(keys.audit_mac(bytes_of("x")), KeyRing(key_of(3), 1, "s").audit_mac(bytes_of("x")));
  EXPECT_NE(keys.audit_mac(bytes_of("x")), KeyRing(key_of(3), 1, "t").audit_mac(bytes_of("x")));
}

}  // namespace
}  // namespace keydesk::store
