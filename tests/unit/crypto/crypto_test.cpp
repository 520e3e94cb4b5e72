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
#include "crypto/ed25519_key.h"
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

// RFC 8032 section 7.1, TEST 1 to TEST 3: seed -> public key -> signature, and verification.
TEST(Ed25519, Rfc8032Vectors) {
  struct Vector {
    const char *seed, *public_key, *message, *signature;
  };
  const Vector vectors[] = {
      {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
       "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf"
       "5f0595bbe24655141438e7a100b"},
      {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
       "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
       "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2"
       "eaeb4302aeeb00d291612bb0c00"},
      {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
       "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
       "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c1"
       "5e9716ed28dc027beceea1ec40a"},
  };
  for (const auto& v : vectors) {
    auto key = Ed25519Key::from_seed(*from_hex(v.seed));
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(to_hex(key->public_key()), v.public_key);
    const Bytes message = *from_hex(v.message);
    auto sig = key->sign(message);
    ASSERT_TRUE(sig.ok());
    EXPECT_EQ(to_hex(*sig), v.signature);
    EXPECT_TRUE(ed25519_verify(key->public_key(), message, *sig));
    Bytes forged = *sig;
    forged[5] ^= 0x01;
    EXPECT_FALSE(ed25519_verify(key->public_key(), message, forged));
  }
  EXPECT_FALSE(Ed25519Key::from_seed(Bytes(31)).ok()) << "a seed is exactly 32 bytes";
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
