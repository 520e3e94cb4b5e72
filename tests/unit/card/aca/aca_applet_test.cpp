// The access-control applet through AcaSession: the case-study token's properties, PIN/PUK counter semantics,
// XAUTH help-desk unblock without a PUK, forced PIN change, and refusal of malformed input.
#include <gtest/gtest.h>

#include "fixtures/sim_token.h"
#include "host/aca/aca_session.h"
#include "host/oath/oath_session.h"
#include "protocol/aca.h"

using namespace keydesk;
using namespace keydesk::testing;
using host::VerifyResult;
using host::aca::AcaPolicyChange;
using host::aca::AcaSession;
using host::aca::XauthChallengeType;

namespace {
// The case-study profile's published TEST admin key (profiles/case-study/aca.json).
const Bytes kCaseStudyKey = hex("404142434445464748494a4b4c4d4e4f");

struct AcaFixture : ::testing::Test {
  SimToken token{"case-study"};
  AcaSession aca{token.connection()};
  void SetUp() override { ASSERT_TRUE(aca.select().ok()); }

  // What a help desk does with the challenge the user reads out.
  Result<VerifyResult> authenticate_as_help_desk(ByteView key = kCaseStudyKey) {
    auto challenge = aca.xauth_challenge();
    if (!challenge) return challenge.error();
    auto cryptogram = protocol::aca::xauth_cryptogram(crypto::BlockCipher::kAes128, key, *challenge);
    if (!cryptogram) return cryptogram.error();
    return aca.xauth_authenticate(*cryptogram);
  }
  void block_pin() {
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(aca.verify_pin("999999").ok());
    ASSERT_EQ(aca.verify_pin("000000")->kind, VerifyResult::Kind::kBlocked);
  }
};
}  // namespace

TEST_F(AcaFixture, PropertiesMatchTheCaseStudy) {
  auto p = aca.properties();
  ASSERT_TRUE(p.ok()) << describe(p.error());
  EXPECT_EQ(p->pin_tries, 6);
  EXPECT_EQ(p->pin_max_tries, 6);
  EXPECT_FALSE(p->puk_initialized);
  EXPECT_TRUE(p->xauth_initialized);
  EXPECT_EQ(p->xauth_challenge_type, XauthChallengeType::kDynamic);
  EXPECT_EQ(p->xauth_algorithm, crypto::BlockCipher::kAes128);
  EXPECT_FALSE(p->pin_shared_with_fido);
  EXPECT_FALSE(p->force_pin_change);
  EXPECT_EQ(p->min_pin_length, 6);
  EXPECT_EQ(p->max_pin_length, 8);
  EXPECT_TRUE(p->pin_is_initial) << "the enterprise default 000000 was never rotated";
}

TEST_F(AcaFixture, WireBytesMatchTheExampleInTheSpecification) {
  // docs/aca-protocol.md section 10.
  EXPECT_EQ(token.raw("00A404000BF06B65796465736B414341"), "610D4F0BF06B65796465736B4143419000");
  EXPECT_EQ(token.raw("8030000000"),
            "810106820106830103840103850100860101870102880108890105"
            "8A01058B01068C01088D01008E01008F01019000");
  EXPECT_EQ(token.raw("002000800631323334353600"), "63C5");
}

TEST_F(AcaFixture, ReadingPropertiesAndPinStatusSpendsNothing) {
  ASSERT_EQ(aca.verify_pin("123456")->retries_left, 5);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(aca.properties()->pin_tries, 5);
    auto status = aca.pin_status();
    ASSERT_TRUE(status.ok());
    EXPECT_EQ(status->retries_left, 5);
  }
  EXPECT_EQ(token.card().context().pin.remaining(), 5);
}

TEST_F(AcaFixture, WrongPinDecrementsRightPinRestoresZeroBlocks) {
  EXPECT_EQ(aca.verify_pin("123456")->retries_left, 5) << "the case study's 63C5";
  EXPECT_TRUE(aca.verify_pin("000000")->ok());
  EXPECT_EQ(aca.properties()->pin_tries, 6) << "success restores the counter";
  for (int left = 5; left >= 1; --left) EXPECT_EQ(aca.verify_pin("999999")->retries_left, left);
  auto last = aca.verify_pin("999999");
  EXPECT_EQ(last->sw.value, 0x63C0);
  EXPECT_EQ(aca.verify_pin("000000")->sw.value, 0x6983) << "a blocked PIN refuses even the right value";
}

TEST_F(AcaFixture, HelpDeskUnblocksWithoutAPukThroughXauth) {
  block_pin();
  EXPECT_EQ(aca.unblock_with_puk("12345678", "135790")->kind, VerifyResult::Kind::kNotInitialized);
  auto auth = authenticate_as_help_desk();
  ASSERT_TRUE(auth.ok()) << describe(auth.error());
  ASSERT_TRUE(auth->ok());
  ASSERT_TRUE(aca.unblock_with_xauth("135790").ok());
  EXPECT_EQ(aca.properties()->pin_tries, 6);
  EXPECT_TRUE(aca.verify_pin("135790")->ok());
  // The PIV PIN is the same reference: another applet sees the new PIN.
  host::oath::OathSession oath(token.connection());
  ASSERT_TRUE(oath.select().ok());
  EXPECT_TRUE(oath.verify_pin("135790")->ok());
}

TEST_F(AcaFixture, WrongCryptogramSpendsAnXauthTryAndTheChallengeIsSingleUse) {
  auto challenge = aca.xauth_challenge();
  ASSERT_TRUE(challenge.ok());
  EXPECT_EQ(challenge->size(), 16u);
  auto wrong = aca.xauth_authenticate(Bytes(16, 0x00));
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->kind, VerifyResult::Kind::kWrong);
  EXPECT_EQ(wrong->retries_left, 4);
  EXPECT_EQ(aca.properties()->xauth_tries, 4);
  // The right cryptogram for the spent challenge no longer works.
  auto late = aca.xauth_authenticate(
      *protocol::aca::xauth_cryptogram(crypto::BlockCipher::kAes128, kCaseStudyKey, *challenge));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, 0x6985u);
  EXPECT_EQ(aca.unblock_with_xauth("135790").error().code, 0x6982u);
  // Dynamic: every challenge is fresh, and a success restores the XAUTH counter.
  EXPECT_NE(*aca.xauth_challenge(), *challenge);
  ASSERT_TRUE(authenticate_as_help_desk()->ok());
  EXPECT_EQ(aca.properties()->xauth_tries, 5);
}

TEST_F(AcaFixture, ChallengeDiesWithTheCardSession) {
  auto challenge = aca.xauth_challenge();
  ASSERT_TRUE(challenge.ok());
  token.card().power_cycle();  // the user pulled the key before typing the cryptogram (docs/field-notes.md, case 3)
  ASSERT_TRUE(aca.select().ok());
  auto late = aca.xauth_authenticate(
      *protocol::aca::xauth_cryptogram(crypto::BlockCipher::kAes128, kCaseStudyKey, *challenge));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, 0x6985u);
}

TEST_F(AcaFixture, XauthBlocksAfterItsTriesAndThenRefusesChallenges) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(aca.xauth_challenge().ok());
    ASSERT_TRUE(aca.xauth_authenticate(Bytes(16, 0x00)).ok());
  }
  EXPECT_EQ(aca.properties()->xauth_tries, 0);
  auto refused = aca.xauth_challenge();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, 0x6983u);
}

TEST_F(AcaFixture, ForcedPinChangeRefusesPinOperationsUntilThePinIsChanged) {
  ASSERT_TRUE(authenticate_as_help_desk()->ok());
  AcaPolicyChange change;
  change.force_pin_change = true;
  ASSERT_TRUE(aca.set_policy(change).ok());
  EXPECT_TRUE(aca.properties()->force_pin_change);
  token.card().power_cycle();
  ASSERT_TRUE(aca.select().ok());

  ASSERT_TRUE(aca.verify_pin("000000")->ok())
      << "VERIFY still works: it is how the holder proves the old PIN";
  EXPECT_EQ(aca.puk_put("12345678").error().code, 0x6985u);
  host::oath::OathSession oath(token.connection());
  ASSERT_TRUE(oath.select().ok());
  ASSERT_TRUE(oath.verify_pin("000000")->ok());
  EXPECT_EQ(oath.calculate_totp("OATH TOTP 1", 59).error().code, 0x6985u);

  ASSERT_TRUE(aca.select().ok());
  ASSERT_TRUE(aca.change_pin("000000", "24681357")->ok());
  EXPECT_FALSE(aca.properties()->force_pin_change);
  EXPECT_FALSE(aca.properties()->pin_is_initial);
  ASSERT_TRUE(aca.verify_pin("24681357")->ok());
  EXPECT_TRUE(aca.puk_put("12345678").ok());
}

TEST(AcaFactory, PukPutNeedsThePinAndThenUnblocksWithThePuk) {
  SimToken token("factory");
  AcaSession aca(token.connection());
  ASSERT_TRUE(aca.select().ok());
  auto p = aca.properties();
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->puk_initialized);
  EXPECT_FALSE(p->xauth_initialized);
  EXPECT_EQ(p->xauth_challenge_type, XauthChallengeType::kNone);

  EXPECT_EQ(aca.puk_put("12345678").error().code, 0x6982u) << "the PIN is not verified";
  ASSERT_TRUE(aca.verify_pin("123456")->ok());
  ASSERT_TRUE(aca.puk_put("12345678").ok());
  EXPECT_EQ(aca.puk_put("87654321").error().code, 0x6982u) << "replacing a PUK needs the admin key";
  EXPECT_TRUE(aca.properties()->puk_initialized);

  for (int i = 0; i < 3; ++i) ASSERT_TRUE(aca.verify_pin("000000").ok());
  EXPECT_EQ(aca.properties()->pin_tries, 0);
  auto wrong = aca.unblock_with_puk("00000000", "654321");
  EXPECT_EQ(wrong->kind, VerifyResult::Kind::kWrong);
  EXPECT_EQ(wrong->retries_left, 2);
  EXPECT_TRUE(aca.unblock_with_puk("12345678", "654321")->ok());
  EXPECT_EQ(aca.properties()->puk_tries, 3);
  EXPECT_TRUE(aca.verify_pin("654321")->ok());
}

TEST(AcaFactory, FirstXauthKeyNeedsNoAuthenticationLaterOnesDo) {
  SimToken token("factory");
  AcaSession aca(token.connection());
  ASSERT_TRUE(aca.select().ok());
  EXPECT_EQ(aca.xauth_challenge().error().code, 0x6A88u) << "no key, no challenge";
  const Bytes tdes = hex("0102030405060708010203040506070801020304050607 08");
  ASSERT_TRUE(aca.put_xauth_key(crypto::BlockCipher::kTdes, tdes, XauthChallengeType::kStatic).ok());
  EXPECT_EQ(aca.put_xauth_key(crypto::BlockCipher::kAes128, kCaseStudyKey, XauthChallengeType::kDynamic)
                .error()
                .code,
            0x6982u);
  auto first = aca.xauth_challenge();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->size(), 8u) << "3DES challenges are one 8-byte block";
  auto second = aca.xauth_challenge();
  EXPECT_EQ(*second, *first) << "Static challenges repeat";
  auto cryptogram = protocol::aca::xauth_cryptogram(crypto::BlockCipher::kTdes, tdes, *second);
  ASSERT_TRUE(aca.xauth_authenticate(*cryptogram)->ok());
  EXPECT_TRUE(
      aca.put_xauth_key(crypto::BlockCipher::kAes128, kCaseStudyKey, XauthChallengeType::kDynamic).ok());
  EXPECT_EQ(aca.properties()->xauth_algorithm, crypto::BlockCipher::kAes128);
}

TEST_F(AcaFixture, MalformedInputAnswersIsoStatusWordsAndChangesNothing) {
  auto too_short = aca.change_pin("000000", "123");
  EXPECT_EQ(too_short->kind, VerifyResult::Kind::kRejected);
  EXPECT_EQ(aca.properties()->pin_tries, 6) << "a policy refusal costs no try";
  AcaPolicyChange force;
  force.force_pin_change = true;
  EXPECT_EQ(aca.set_policy(force).error().code, 0x6982u) << "SET PROPERTIES needs XAUTH";
  ASSERT_TRUE(authenticate_as_help_desk()->ok());
  AcaPolicyChange inverted = force;
  inverted.min_pin_length = 8;
  inverted.max_pin_length = 6;
  EXPECT_EQ(aca.set_policy(inverted).error().code, 0x6A80u);
  EXPECT_FALSE(aca.properties()->force_pin_change) << "a refused SET PROPERTIES changes nothing at all";
  EXPECT_EQ(aca.properties()->min_pin_length, 6);
  AcaPolicyChange too_many;
  too_many.pin_max_tries = 16;
  EXPECT_EQ(aca.set_policy(too_many).error().code, 0x6A80u) << "63Cx cannot report more than 15";

  // EXTERNAL AUTHENTICATE with the wrong length keeps the challenge and the counter.
  auto challenge = aca.xauth_challenge();
  ASSERT_TRUE(challenge.ok());
  EXPECT_EQ(aca.xauth_authenticate(Bytes(8, 0))->kind, VerifyResult::Kind::kRejected);
  EXPECT_EQ(aca.properties()->xauth_tries, 5);
  EXPECT_TRUE(aca.xauth_authenticate(*protocol::aca::xauth_cryptogram(crypto::BlockCipher::kAes128,
                                                                      kCaseStudyKey, *challenge))
                  ->ok());

  EXPECT_EQ(token.raw("8030000100"), "6B00");
  EXPECT_EQ(token.raw("80EE000000"), "6D00");
  EXPECT_EQ(token.raw("00200081"), "6A86") << "only the card PIN (80) is a reference here";
  EXPECT_EQ(token.raw("002400800AC0063030303030300000"), "6A80") << "truncated TLV";
  EXPECT_EQ(token.raw("0024008003C00130"), "6A80") << "no new PIN";
  EXPECT_EQ(token.raw("A0300000"), "6E00");
}

TEST_F(AcaFixture, VerifyWithP1FFEndsTheVerifiedStateAndSpendsNothing) {
  ASSERT_EQ(aca.verify_pin("000000")->kind, VerifyResult::Kind::kOk);
  EXPECT_EQ(aca.pin_status()->kind, VerifyResult::Kind::kOk) << "verified in this session";
  EXPECT_EQ(token.raw("0020FF8001FF"), "6A80") << "P1=FF carries no data";
  EXPECT_EQ(aca.pin_status()->kind, VerifyResult::Kind::kOk) << "a refused reset changes nothing";
  ASSERT_TRUE(aca.logout().ok());
  auto after = aca.pin_status();
  ASSERT_EQ(after->kind, VerifyResult::Kind::kWrong) << "not verified any more";
  EXPECT_EQ(after->retries_left, 6) << "and no try spent";
  EXPECT_TRUE(aca.logout().ok()) << "resetting an unverified state is harmless";
}
