// The two primitives the store adds to crypto/, against their published test vectors.
#include <gtest/gtest.h>

#include "crypto/aead.h"
#include "crypto/kdf.h"

namespace keydesk::crypto {
namespace {

Bytes hex(std::string_view h) {
  return *from_hex(h);
}

// The GCM specification (McGrew and Viega, "The Galois/Counter Mode of Operation", test cases 13, 14
// and 16: AES-256, 96-bit IV).
TEST(Aes256Gcm, SpecificationTestCases) {
  const Bytes zero_key(32, 0), zero_iv(12, 0);
  EXPECT_EQ(to_hex(*aes256_gcm_seal(zero_key, zero_iv, {}, {})), "530f8afbc74536b9a963b4f1c4cb738b");
  EXPECT_EQ(to_hex(*aes256_gcm_seal(zero_key, zero_iv, {}, Bytes(16, 0))),
            "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919");
  const Bytes key = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  const Bytes iv = hex("cafebabefacedbaddecaf888");
  const Bytes plain =
      hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b1"
          "6aedf5aa0de"
          "657ba637b39");
  const Bytes aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const Bytes sealed = *aes256_gcm_seal(key, iv, aad, plain);
  EXPECT_EQ(to_hex(sealed),
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838"
            "c5f61e63"
            "93ba7a0abcc9f66276fc6ece0f4e1768cddf8853bb2d551b");
  auto opened = aes256_gcm_open(key, iv, aad, sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(Bytes(opened->begin(), opened->end()), plain);
}

TEST(Aes256Gcm, AnyChangeFailsTheTagAsIntegrity) {
  const Bytes key(32, 7), iv(12, 9), aad = bytes_of("cuid:0102"), plain = bytes_of("12345678");
  const Bytes sealed = *aes256_gcm_seal(key, iv, aad, plain);
  for (size_t i = 0; i < sealed.size(); ++i) {
    Bytes flipped = sealed;
    flipped[i] ^= 0x01;
    auto r = aes256_gcm_open(key, iv, aad, flipped);
    ASSERT_FALSE(r.ok()) << "byte " << i;
    EXPECT_EQ(r.error().kind, ErrorKind::kIntegrity);
  }
  EXPECT_EQ(aes256_gcm_open(key, iv, bytes_of("cuid:0103"), sealed).error().kind, ErrorKind::kIntegrity);
  EXPECT_EQ(aes256_gcm_open(key, Bytes(12, 8), aad, sealed).error().kind, ErrorKind::kIntegrity);
  EXPECT_EQ(aes256_gcm_seal(Bytes(16, 0), iv, aad, plain).error().kind, ErrorKind::kUsage);
  EXPECT_EQ(aes256_gcm_seal(key, Bytes(16, 0), aad, plain).error().kind, ErrorKind::kUsage);
}

// RFC 5869 appendix A.1 (test case 1) and A.3 (no salt, no info).
TEST(Hkdf, Rfc5869Vectors) {
  const SecureBytes okm1 =
      hkdf_sha256(Bytes(22, 0x0b), hex("000102030405060708090a0b0c"), hex("f0f1f2f3f4f5f6f7f8f9"), 42);
  EXPECT_EQ(to_hex(okm1),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  const SecureBytes okm3 = hkdf_sha256(Bytes(22, 0x0b), {}, {}, 42);
  EXPECT_EQ(to_hex(okm3),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

}  // namespace
}  // namespace keydesk::crypto
