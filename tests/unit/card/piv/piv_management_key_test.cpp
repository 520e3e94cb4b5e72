// The management key (9B): mutual and single authentication with 3DES and AES, SET MANAGEMENT KEY with and
// without touch, GET METADATA as ykman reads it, the refusals of out-of-order or wrong exchanges, and the
// challenge request OpenSC draws random numbers with.
#include "fixtures/piv_token.h"

using namespace keydesk;
using namespace keydesk::testing;
using crypto::BlockCipher;

TEST(PivManagementKey, FactoryMetadataIsWhatYkmanExpects) {
  PivToken t;
  EXPECT_EQ(t.raw("00F7008000"), "0101FF050101060203039000");
  EXPECT_EQ(t.raw("00F7009B000000"), "010103020200010501019000");  // extended form, as ykman 4.0.9 sends
  EXPECT_EQ(t.raw("00F7009600"), "6A88");
  EXPECT_EQ(t.raw("00F7009A00"), "6A88");  // empty slot
}

TEST(PivManagementKey, DefaultKeyAuthenticatesAndAWrongKeyDoesNot) {
  PivToken t;
  EXPECT_TRUE(t.piv().authenticate(BlockCipher::kTdes, kDefaultKey).ok());
  const Status wrong =
      t.piv().authenticate(BlockCipher::kTdes, hex("000102030405060708090a0b0c0d0e0f1011121314151617"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, 0x6982u);
}

class PivManagementKeyAlgorithms : public ::testing::TestWithParam<std::tuple<BlockCipher, uint8_t, size_t>> {
};

TEST_P(PivManagementKeyAlgorithms, NewKeyAuthenticatesAndIsReportedByMetadata) {
  const auto [cipher, id, size] = GetParam();
  PivToken t;
  t.authenticate();
  const Bytes key = crypto::random_bytes(size);
  Bytes data{id, 0x9B, static_cast<uint8_t>(size)};
  append(data, key);
  EXPECT_EQ(t.raw("00FFFFFF" + to_hex(Bytes{static_cast<uint8_t>(data.size())}) + to_hex(data)), "9000");
  auto meta = t.piv().metadata(0x9B);
  ASSERT_TRUE(meta.ok() && meta->has_value());
  EXPECT_EQ((*meta)->algorithm, id);
  EXPECT_FALSE((*meta)->is_default);
  ASSERT_TRUE(t.piv().select().ok());
  EXPECT_TRUE(t.piv().authenticate(cipher, key).ok());
  // The old key and the old algorithm no longer work (P1 must name the key's algorithm).
  if (cipher != BlockCipher::kTdes) {
    EXPECT_FALSE(t.piv().authenticate(BlockCipher::kTdes, kDefaultKey).ok());
  }
}

INSTANTIATE_TEST_SUITE_P(AllCiphers, PivManagementKeyAlgorithms,
                         ::testing::Values(std::make_tuple(BlockCipher::kTdes, uint8_t{0x03}, size_t{24}),
                                           std::make_tuple(BlockCipher::kAes128, uint8_t{0x08}, size_t{16}),
                                           std::make_tuple(BlockCipher::kAes192, uint8_t{0x0A}, size_t{24}),
                                           std::make_tuple(BlockCipher::kAes256, uint8_t{0x0C}, size_t{32})));

TEST(PivManagementKey, SingleAuthenticationVariant) {
  PivToken t;
  const std::string answer = t.raw("0087039B047C028100");
  ASSERT_EQ(answer.substr(0, 8), "7C0A8108");
  const Bytes challenge = *from_hex(answer.substr(8, 16));
  const Bytes response = *crypto::ecb_encrypt(BlockCipher::kTdes, kDefaultKey, challenge);
  EXPECT_EQ(t.raw("0087039B0C7C0A8208" + to_hex(response)), "9000");
  EXPECT_EQ(t.raw("00DB3FFF0A5C035FC10953035A0102"), "9000");  // PUT DATA now allowed
}

TEST(PivManagementKey, OutOfOrderAndWrongExchangesAreRefused) {
  PivToken t;
  const std::string witness_then_challenge =
      "0087039B167C14"
      "8008"
      "0000000000000000"
      "8108"
      "0102030405060708";
  EXPECT_EQ(t.raw(witness_then_challenge), "6985");  // no witness handed out
  ASSERT_EQ(t.raw("0087039B047C028000").substr(0, 8), "7C0A8008");
  EXPECT_EQ(t.raw(witness_then_challenge), "6982");  // wrong witness
  EXPECT_EQ(t.raw(witness_then_challenge), "6985");  // the witness is forgotten after one attempt
  EXPECT_EQ(t.raw("0087089B047C028000"), "6A86");    // AES while the key is 3DES
  EXPECT_EQ(t.raw("0087039B028000"), "6A80");        // no 7C template
  EXPECT_EQ(t.raw("00DB3FFF0A5C035FC10953035A0102"), "6982");
}

TEST(PivManagementKey, TouchKeyNeedsPresence) {
  PivToken t;
  t.authenticate();
  EXPECT_EQ(t.raw("00FFFFFE1B039B18" + to_hex(kDefaultKey)), "9000");
  EXPECT_EQ(t.raw("00F7009B00"), "010103020200020501019000");
  t.card().context().presence.set_mode(card::UserPresence::Mode::kDeny);
  ASSERT_TRUE(t.piv().select().ok());
  const Status denied = t.piv().authenticate(BlockCipher::kTdes, kDefaultKey);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, 0x6982u);
  t.card().context().presence.set_mode(card::UserPresence::Mode::kGrant);
  EXPECT_TRUE(t.piv().authenticate(BlockCipher::kTdes, kDefaultKey).ok());
}

TEST(PivManagementKey, SetManagementKeyRefusesBadInput) {
  PivToken t;
  EXPECT_EQ(t.raw("00FFFFFF1B039B18" + to_hex(kDefaultKey)), "6982");
  t.authenticate();
  EXPECT_EQ(t.raw("00FFFFFF1A039B17" + to_hex(ByteView(kDefaultKey).first(23))), "6A80");  // 3DES needs 24
  EXPECT_EQ(t.raw("00FFFFFF1B119B18" + to_hex(kDefaultKey)), "6A80");                      // not a cipher
  EXPECT_EQ(t.raw("00FF00FF1B039B18" + to_hex(kDefaultKey)), "6A86");
  EXPECT_EQ(t.raw("00F7009B00"), "010103020200010501019000");  // unchanged
}

// GENERAL AUTHENTICATE 9B with 7C 02 81 00 as OpenSC sends it for C_GenerateRandom (P1 00).
TEST(PivManagementKey, ChallengeRequestAsOpenScSendsItAnswersFreshRandomBlocks) {
  PivToken t;  // 3DES management key: 8-byte blocks
  const std::string first = t.raw("0087009B047C028100");
  const std::string second = t.raw("0087009B047C028100");
  ASSERT_TRUE(first.starts_with("7C0A8108") && first.ends_with("9000")) << first;
  ASSERT_TRUE(second.starts_with("7C0A8108") && second.ends_with("9000")) << second;
  EXPECT_NE(first, second);
  EXPECT_TRUE(t.raw("0087039B047C028100").starts_with("7C0A8108")) << "naming the algorithm works too";
  EXPECT_EQ(t.raw("0087089B047C028100"), "6A86") << "the wrong algorithm is refused";
  EXPECT_EQ(t.raw("0087009B047C028000"), "6A86") << "P1 00 is only for the challenge request";
}

TEST(PivManagementKey, ChallengeRequestWithAnAesManagementKeyAnswersAesBlocks) {
  PivToken t("case-study");  // AES-192 management key: 16-byte blocks
  const std::string challenge = t.raw("0087009B047C028100");
  EXPECT_TRUE(challenge.starts_with("7C128110")) << challenge;
  EXPECT_TRUE(challenge.ends_with("9000"));
}

TEST(PivManagementKey, ChallengeRequestCompletesSingleAuthenticationWithTheManagementKey) {
  PivToken t;
  const Bytes answer = *from_hex(t.raw("0087009B047C028100"));
  const Bytes challenge(answer.begin() + 4, answer.begin() + 12);
  auto response = crypto::ecb_encrypt(crypto::BlockCipher::kTdes, kDefaultKey, challenge);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(t.raw("0087039B0C7C0A8208" + to_hex(*response, true)), "9000");
  EXPECT_EQ(t.raw("00DB3FFF0A5C035FC10953035A0102"), "9000") << "authenticated";
}
