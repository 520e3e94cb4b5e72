// Key generation, signatures, decryption, ECDH, import and attestation, judged by OpenSSL on the public key
// the card returned; PIN and touch policies as a YubiKey applies them.
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/ec_key.h"
#include "crypto/rsa_key.h"
#include "fixtures/piv_token.h"

using namespace keydesk;
using namespace keydesk::testing;

namespace {
const Bytes kMessage = bytes_of("help desk ticket 4711");

Bytes sha256(ByteView m) {
  return crypto::hash(crypto::HashAlg::kSha256, m);
}

Bytes generate(PivToken& t, uint8_t slot, Algorithm alg) {
  t.authenticate();
  auto pub = t.piv().generate_key(slot, alg);
  EXPECT_TRUE(pub.ok()) << describe(pub.error());
  return pub ? *pub : Bytes{};
}
}  // namespace

TEST(PivKeys, GenerateNeedsTheManagementKey) {
  PivToken t;
  EXPECT_EQ(t.raw("0047009A05AC03800111"), "6982");
  EXPECT_EQ(t.raw("00F7009A00"), "6A88");
}

TEST(PivKeys, EccP256SignatureVerifiesWithOpenSsl) {
  PivToken t;
  const Bytes pub = generate(t, 0x9A, Algorithm::kEccP256);
  ASSERT_EQ(pub.size(), 0x43u);  // 86 41 04 X Y: the 7F49 length fits one byte
  auto key = public_key_from_tlvs(pub);
  ASSERT_TRUE(key);
  auto before_pin = t.piv().sign(0x9A, Algorithm::kEccP256, sha256(kMessage));
  ASSERT_FALSE(before_pin.ok());
  EXPECT_EQ(before_pin.error().code, 0x6982u);  // 9A: PIN once
  t.verify_pin();
  auto sig = t.piv().sign(0x9A, Algorithm::kEccP256, sha256(kMessage));
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(openssl_verifies(key.get(), kMessage, *sig));
  EXPECT_FALSE(openssl_verifies(key.get(), bytes_of("another message"), *sig));
  EXPECT_TRUE(t.piv().sign(0x9A, Algorithm::kEccP256, sha256(kMessage)).ok());  // once: still verified
}

TEST(PivKeys, EccP384HasAOneByte7F49Length) {
  PivToken t;
  t.authenticate();
  const std::string answer = t.raw("0047009D05AC03800114");
  EXPECT_EQ(answer.substr(0, 10), "7F49638661");
  t.verify_pin();
  auto pub =
      public_key_from_tlvs(*iso7816::find_value(*from_hex(answer.substr(0, answer.size() - 4)), 0x7F49));
  const Bytes digest = crypto::hash(crypto::HashAlg::kSha256, kMessage);
  auto sig =
      t.piv().sign(0x9D, Algorithm::kEccP384, digest);  // a hash shorter than the curve is taken as it is
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(openssl_verifies(pub.get(), kMessage, *sig));
}

TEST(PivKeys, Rsa2048PkcsSignatureVerifiesWithOpenSsl) {
  PivToken t;
  const Bytes pub = generate(t, 0x9C, Algorithm::kRsa2048);
  auto key = public_key_from_tlvs(pub);
  ASSERT_TRUE(key);
  ASSERT_EQ(EVP_PKEY_get_bits(key.get()), 2048);
  t.verify_pin();
  auto sig = t.piv().sign(0x9C, Algorithm::kRsa2048, pkcs1_sha256_block(kMessage, 256));
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->size(), 256u);
  EXPECT_TRUE(openssl_verifies(key.get(), kMessage, *sig));
  // 9C: PIN always - the verification was spent by the signature.
  auto again = t.piv().sign(0x9C, Algorithm::kRsa2048, pkcs1_sha256_block(kMessage, 256));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, 0x6982u);
  // Input that is not one modulus-sized block is malformed and does not spend the fresh PIN.
  t.verify_pin();
  EXPECT_FALSE(t.piv().sign(0x9C, Algorithm::kRsa2048, Bytes(100, 1)).ok());
  EXPECT_TRUE(t.piv().sign(0x9C, Algorithm::kRsa2048, pkcs1_sha256_block(kMessage, 256)).ok());
}

TEST(PivKeys, RsaDecryptionRecoversTheBlock) {
  PivToken t;
  auto key = public_key_from_tlvs(generate(t, 0x9D, Algorithm::kRsa2048));
  const Bytes secret = bytes_of("session key material");
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key.get(), nullptr);
  Bytes ciphertext(256);
  size_t len = ciphertext.size();
  ASSERT_EQ(EVP_PKEY_encrypt_init(ctx), 1);
  ASSERT_EQ(EVP_PKEY_encrypt(ctx, ciphertext.data(), &len, secret.data(), secret.size()), 1);
  EVP_PKEY_CTX_free(ctx);
  t.verify_pin();
  auto block =
      t.piv().sign(0x9D, Algorithm::kRsa2048, ciphertext);  // raw RSA: the PKCS#1 type 2 block comes back
  ASSERT_TRUE(block.ok());
  ASSERT_EQ(block->size(), 256u);
  EXPECT_EQ((*block)[1], 0x02);
  EXPECT_TRUE(std::equal(secret.rbegin(), secret.rend(), block->rbegin()));
}

TEST(PivKeys, EcdhMatchesThePeersComputation) {
  PivToken t;
  const Bytes pub = generate(t, 0x9D, Algorithm::kEccP256);
  const Bytes card_point = *iso7816::find_value(pub, 0x86);
  const auto peer = crypto::EcKey::generate(crypto::Curve::kP256);
  t.verify_pin();
  Bytes inner = iso7816::encode_tlv(0x82, {});
  iso7816::append_tlv(inner, 0x85, peer.public_point());
  auto r = t.connection().send_ok(
      iso7816::CommandApdu::make(0x00, 0x87, 0x11, 0x9D, iso7816::encode_tlv(0x7C, inner)), "ECDH");
  ASSERT_TRUE(r.ok());
  const Bytes shared = *iso7816::find_value(*iso7816::find_value(*r, 0x7C), 0x82);
  EXPECT_EQ(shared, *peer.ecdh(card_point));
}

TEST(PivKeys, MalformedGeneralAuthenticateChangesNothing) {
  PivToken t;
  generate(t, 0x9E, Algorithm::kEccP256);                          // 9E: no PIN
  EXPECT_EQ(t.raw("0087119E047C028200"), "6A80");                  // no input
  EXPECT_EQ(t.raw("0087079E0A7C08820081040102030400"), "6A80");    // wrong algorithm for the slot
  EXPECT_EQ(t.raw("0087119B047C028000"), "6A86");                  // 9B with an EC algorithm
  EXPECT_EQ(t.raw("0087119F0A7C08820081040102030400"), "6A88");    // no such slot
  EXPECT_EQ(t.raw("008711820A7C088200810401020304"), "6A80");      // retired slot, empty
  EXPECT_EQ(t.raw("0087119E0C7C0A82008104010203048500"), "6A80");  // both 81 and 85
  EXPECT_EQ(t.raw("0047009E05AC03800103"), "6A80");                // GENERATE with a symmetric algorithm
  EXPECT_EQ(t.raw("0047009E06AC0480011100"), "6A80");              // malformed AC
  EXPECT_EQ(t.raw("0087119E0A7C088200810401020304").substr(0, 2), "7C");  // 9E still signs, unchanged
}

TEST(PivKeys, TouchPolicyAlwaysAsksForPresence) {
  PivToken t;
  t.authenticate();
  ASSERT_EQ(t.raw("0047009A0BAC09800111AA0101AB0102").substr(0, 4), "7F49");
  EXPECT_EQ(t.raw("00F7009A00").substr(0, 16), "0101110202010203");  // PIN never, touch always
  t.card().context().presence.set_mode(card::UserPresence::Mode::kDeny);
  EXPECT_EQ(t.raw("0087119A267C2482008120" + to_hex(sha256(kMessage))), "6982");
  t.card().context().presence.set_mode(card::UserPresence::Mode::kGrant);
  EXPECT_TRUE(t.piv().sign(0x9A, Algorithm::kEccP256, sha256(kMessage)).ok());
}

TEST(PivKeys, ImportedEcKeySignsAndIsNotAttested) {
  PivToken t;
  t.authenticate();
  const auto local = crypto::EcKey::generate(crypto::Curve::kP256);
  // The scalar is the last 32 bytes of the PKCS#8 private key OCTET STRING; recover it through OpenSSL.
  BIGNUM* d = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(local.pkey(), OSSL_PKEY_PARAM_PRIV_KEY, &d), 1);
  Bytes scalar(32);
  BN_bn2binpad(d, scalar.data(), 32);
  BN_clear_free(d);
  Bytes data = iso7816::encode_tlv(0x06, scalar);
  iso7816::append_tlv(data, 0xAA, Bytes{0x01});
  ASSERT_TRUE(
      t.connection().send_ok(iso7816::CommandApdu::make(0x00, 0xFE, 0x11, 0x9E, data), "IMPORT").ok());
  auto meta = t.connection().send_ok(iso7816::CommandApdu::make(0x00, 0xF7, 0x00, 0x9E), "METADATA");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(*iso7816::find_value(*meta, 0x03), Bytes{0x02});  // origin: imported
  EXPECT_EQ(*iso7816::find_value(*iso7816::find_value(*meta, 0x04), 0x86), local.public_point());
  auto sig = t.piv().sign(0x9E, Algorithm::kEccP256, sha256(kMessage));
  ASSERT_TRUE(sig.ok());
  auto pub = public_key_from_tlvs(*iso7816::find_value(*meta, 0x04));
  EXPECT_TRUE(openssl_verifies(pub.get(), kMessage, *sig));
  EXPECT_EQ(t.raw("00F99E0000"), "6A80");
  EXPECT_EQ(t.raw("00FE119E03060101"), "6A80");  // a scalar of the wrong size
}

TEST(PivKeys, ImportedRsaKeyFromCrtParts) {
  PivToken t;
  t.authenticate();
  auto local = crypto::RsaKey::generate(2048);
  ASSERT_TRUE(local.ok());
  const char* names[] = {OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
                         OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
                         OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
  Bytes data;
  for (uint8_t tag = 1; tag <= 5; ++tag) {
    BIGNUM* v = nullptr;
    ASSERT_EQ(EVP_PKEY_get_bn_param(local->pkey(), names[tag - 1], &v), 1);
    Bytes part(128);
    BN_bn2binpad(v, part.data(), 128);
    BN_clear_free(v);
    iso7816::append_tlv(data, tag, part);
  }
  ASSERT_TRUE(
      t.connection().send_ok(iso7816::CommandApdu::make(0x00, 0xFE, 0x07, 0x9A, data), "IMPORT").ok());
  t.verify_pin();
  auto sig = t.piv().sign(0x9A, Algorithm::kRsa2048, pkcs1_sha256_block(kMessage, 256));
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(openssl_verifies(local->pkey(), kMessage, *sig));
}

TEST(PivKeys, AttestationCertificateIsSignedByTheF9Key) {
  PivToken t;
  const Bytes pub = generate(t, 0x9A, Algorithm::kEccP256);
  auto attestation = t.connection().send_ok(iso7816::CommandApdu::make(0x00, 0xF9, 0x9A, 0x00), "ATTEST");
  ASSERT_TRUE(attestation.ok());
  ASSERT_GT(attestation->size(), 256u);  // arrived through 61xx / GET RESPONSE
  EXPECT_EQ((*attestation)[0], 0x30);
  auto f9 = t.piv().certificate(0xF9);
  ASSERT_TRUE(f9.ok() && f9->has_value());
  const unsigned char* p = (*f9)->data();
  X509* issuer = d2i_X509(nullptr, &p, static_cast<long>((*f9)->size()));
  p = attestation->data();
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(attestation->size()));
  ASSERT_TRUE(issuer && cert);
  EXPECT_EQ(X509_verify(cert, X509_get0_pubkey(issuer)), 1);
  EXPECT_EQ(X509_check_issued(issuer, cert), X509_V_OK);
  // The attested key is the slot's key.
  auto card_key = public_key_from_tlvs(pub);
  EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(cert), card_key.get()), 1);
  X509_free(cert);
  X509_free(issuer);
  EXPECT_EQ(t.raw("00F99C0000"), "6A88");  // empty slot
}
