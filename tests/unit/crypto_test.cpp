// Crypto wrappers judged by OpenSSL's own verifier and by published vectors.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>

#include "core/result.h"
#include "core/secure_bytes.h"
#include "crypto/cipher.h"
#include "crypto/digest.h"
#include "crypto/ec_key.h"
#include "crypto/x509.h"

using namespace keydesk;
using namespace keydesk::crypto;

TEST(Digest, Rfc4226HmacVector) {
  // RFC 4226 Appendix D, count 0.
  EXPECT_EQ(to_hex(hmac(HashAlg::kSha1, bytes_of("12345678901234567890"), Bytes(8, 0))),
            "cc93cf18508d94934c64b65d8ba7667fb7cde4b0");
}

TEST(Digest, YkoathPasswordKeyVector) {
  // Reference D.8: PBKDF2-HMAC-SHA1("password", 0102030405060708, 1000, 16).
  EXPECT_EQ(to_hex(pbkdf2(HashAlg::kSha1, bytes_of("password"), *from_hex("0102030405060708"), 1000, 16)),
            "ed1b5a43d3a86504dd13c9da7606bd35");
}

TEST(Cipher, AesEcbFips197Vector) {
  auto out = ecb_encrypt(BlockCipher::kAes128, *from_hex("000102030405060708090a0b0c0d0e0f"),
                         *from_hex("00112233445566778899aabbccddeeff"));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(to_hex(*out), "69c4e0d86a7b0430d8cdb78070b4c55a");
  EXPECT_FALSE(ecb_encrypt(BlockCipher::kAes128, Bytes(15), Bytes(16)).ok()) << "short key";
  EXPECT_FALSE(ecb_encrypt(BlockCipher::kTdes, Bytes(24), Bytes(7)).ok()) << "partial block";
}

TEST(EcKey, SignaturesVerifyAndKeysSurvivePkcs8) {
  for (Curve c : {Curve::kP256, Curve::kP384}) {
    EcKey key = EcKey::generate(c);
    auto again = EcKey::from_pkcs8(key.pkcs8());
    ASSERT_TRUE(again.ok());
    const Bytes digest = hash(c == Curve::kP256 ? HashAlg::kSha256 : HashAlg::kSha384, bytes_of("keydesk"));
    auto sig = again->sign_digest(digest);
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(ecdsa_verify_digest(c, key.public_point(), digest, *sig));
    Bytes other = digest;
    other[0] ^= 1;
    EXPECT_FALSE(ecdsa_verify_digest(c, key.public_point(), other, *sig));
  }
}

TEST(EcKey, EcdhAgreesBothWays) {
  EcKey a = EcKey::generate(Curve::kP256), b = EcKey::generate(Curve::kP256);
  EXPECT_EQ(to_hex(*a.ecdh(b.public_point())), to_hex(*b.ecdh(a.public_point())));
  Bytes bad = b.public_point();
  bad[10] ^= 0xFF;
  EXPECT_FALSE(a.ecdh(bad).ok()) << "a point off the curve must be refused";
}

TEST(X509, SelfSignedCertificateVerifiesWithOpenssl) {
  EcKey key = EcKey::generate(Curve::kP256);
  CertificateSpec spec{"C=SE,O=keydesk,OU=Authenticator Attestation,CN=keydesk test", "", {}, 30, false, {}};
  spec.extra.push_back({"1.3.6.1.4.1.45724.1.1.4", *from_hex("0410000102030405060708090a0b0c0d0e0f"), false});
  auto der = issue_certificate(spec, key.spki(), key.pkey());
  ASSERT_TRUE(der.ok()) << describe(der.error());
  const unsigned char* p = der->data();
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der->size()));
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(X509_verify(cert, key.pkey()), 1);
  X509_free(cert);
  EXPECT_EQ(*certificate_subject(*der), "CN=keydesk test,OU=Authenticator Attestation,O=keydesk,C=SE");
  EXPECT_EQ(*certificate_spki(*der), key.spki());
}

TEST(SecureString, ClearWipesTheBufferAndAMoveLeavesNoCopy) {
  // Longer than any short-string buffer, so the characters live in memory the string keeps after clear().
  const std::string value(64, '7');
  keydesk::SecureString s(value);
  const char* buffer = s.view().data();
  keydesk::SecureString moved(std::move(s));
  EXPECT_TRUE(s.empty());  // NOLINT(bugprone-use-after-move): a moved-from secret is cleared
  ASSERT_EQ(moved.view(), value);
  ASSERT_EQ(moved.view().data(), buffer);  // the heap buffer moved, it was not copied
  moved.clear();
  EXPECT_TRUE(moved.empty());
  EXPECT_TRUE(std::all_of(buffer, buffer + value.size(), [](char c) { return c == 0; }))
      << "clear() must overwrite the characters, not only reset the length";
}

namespace {
keydesk::Result<int> half(int v) {
  if (v % 2) return keydesk::Error::make(keydesk::ErrorKind::kUsage, "odd");
  return v / 2;
}
keydesk::Result<int> quarter(int v) {
  KD_ASSIGN_OR_RETURN(int h, half(v));
  KD_ASSIGN_OR_RETURN(const int q, half(h));
  return q;
}
}  // namespace

TEST(Result, AssignOrReturnPropagatesTheFirstError) {
  EXPECT_EQ(*quarter(12), 3);
  EXPECT_EQ(quarter(6).error().kind, keydesk::ErrorKind::kUsage);
  EXPECT_EQ(quarter(7).error().context, "odd");
}
