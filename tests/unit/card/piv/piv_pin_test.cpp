// PIN and PUK through PivSession and on the wire: counters as yubico-piv-tool and ykman read them, the
// status query that spends nothing, PUK unblock, policy lengths, forced change, and malformed commands.
#include "fixtures/piv_token.h"

using namespace keydesk;
using namespace keydesk::testing;
using host::VerifyResult;

namespace {
int pin_remaining(PivToken& t) {
  return t.piv().metadata(0x80)->value().remaining;
}
int puk_remaining(PivToken& t) {
  return t.piv().metadata(0x81)->value().remaining;
}
}  // namespace

TEST(PivPin, StatusQuerySpendsNothing) {
  PivToken t;
  for (int i = 0; i < 5; ++i) {
    auto s = t.piv().pin_status();
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->kind, VerifyResult::Kind::kWrong);  // not verified yet: 63C3
    EXPECT_EQ(s->retries_left, 3);
  }
  EXPECT_EQ(t.raw("0020008000"), "63C3");  // the 5-byte form yubico-piv-tool sends
  EXPECT_EQ(t.raw("00200080"), "63C3");    // case 1, as OpenSC sends it
  t.verify_pin();
  EXPECT_EQ(t.raw("0020008000"), "9000");
}

TEST(PivPin, WrongPinCountsDownRightPinRestores) {
  PivToken t;
  auto wrong = t.piv().verify_pin(bytes_of("654321"));
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->kind, VerifyResult::Kind::kWrong);
  EXPECT_EQ(wrong->retries_left, 2);
  EXPECT_EQ(pin_remaining(t), 2);
  t.verify_pin();
  EXPECT_EQ(pin_remaining(t), 3);
}

TEST(PivPin, ThirdWrongPinBlocksAndRightPinIsThenRefused) {
  PivToken t;
  EXPECT_EQ(t.raw("00200080083939393939393939"), "63C2");
  EXPECT_EQ(t.raw("00200080083939393939393939"), "63C1");
  EXPECT_EQ(t.raw("00200080083939393939393939"), "63C0");
  EXPECT_EQ(t.raw("0020008008313233343536FFFF"), "6983");  // right PIN, but blocked
  EXPECT_EQ(t.raw("0020008000"), "6983");
  auto unblocked = t.piv().unblock_pin(bytes_of("12345678"), bytes_of("24681357"));
  ASSERT_TRUE(unblocked.ok() && unblocked->ok());
  EXPECT_EQ(pin_remaining(t), 3);
  t.verify_pin("24681357");
}

TEST(PivPin, AllFfPinIsAWrongPinSoYkmanResetCanBlockIt) {
  PivToken t;
  EXPECT_EQ(t.raw("0020008008FFFFFFFFFFFFFFFF"), "63C2");
}

// `ykman piv reset` burns the PIN with 8 x FF, the PUK with 16 x FF RESET RETRY COUNTERs, then sends FB.
TEST(PivPin, YkmanResetSequenceBlocksPinAndPukThenResets) {
  PivToken t;
  for (const char* sw : {"63C2", "63C1", "63C0", "6983"}) EXPECT_EQ(t.raw("0020008008FFFFFFFFFFFFFFFF"), sw);
  const std::string burn_puk = "002C008010" + std::string(32, 'F');
  for (const char* sw : {"63C2", "63C1", "63C0", "6983"}) EXPECT_EQ(t.raw(burn_puk), sw);
  EXPECT_EQ(t.raw("00FB000000"), "9000");
  EXPECT_EQ(pin_remaining(t), 3);
  EXPECT_EQ(puk_remaining(t), 3);
  EXPECT_EQ(t.raw("0020008008313233343536FFFF"), "9000") << "factory PIN 123456 after RESET";
}

TEST(PivPin, UnusableNewPinWithARealCurrentValueSpendsNothing) {
  PivToken t;
  EXPECT_EQ(t.raw("002C0080103132333435363738FFFFFFFFFFFFFFFF"), "6985");  // PUK 12345678, empty new PIN
  EXPECT_EQ(puk_remaining(t), 3);
}

TEST(PivPin, MalformedVerifyIsRefusedAndSpendsNothing) {
  PivToken t;
  EXPECT_EQ(t.raw("0020008108313233343536FFFF"), "6A88");  // PUK is not verifiable
  EXPECT_EQ(t.raw("0020000008313233343536FFFF"), "6A88");  // global PIN not implemented
  EXPECT_EQ(t.raw("0020009600"), "6A88");                  // no biometrics
  EXPECT_EQ(t.raw("0020008007393939393939FF"), "6A80");    // not 8 bytes
  EXPECT_EQ(t.raw("0020018008393939393939FFFF"), "6A86");
  EXPECT_EQ(pin_remaining(t), 3);
}

TEST(PivPin, LogoutForgetsTheVerification) {
  PivToken t;
  t.verify_pin();
  EXPECT_EQ(t.raw("0020FF80"), "9000");
  EXPECT_EQ(t.raw("0020008000"), "63C3");
}

TEST(PivPin, ChangePinKeepsPolicyLengthsAndSpendsNothingOnARefusal) {
  PivToken t;
  auto too_short = t.piv().change_pin(bytes_of("123456"), bytes_of("12345"));
  ASSERT_FALSE(too_short.ok());
  EXPECT_EQ(too_short.error().code, 0x6985u);
  EXPECT_EQ(t.raw("002400800F313233343536FFFF31323334353637"), "6A80");  // 15 bytes
  EXPECT_EQ(pin_remaining(t), 3);
  auto changed = t.piv().change_pin(bytes_of("123456"), bytes_of("87654321"));
  ASSERT_TRUE(changed.ok() && changed->ok());
  auto old_pin = t.piv().verify_pin(bytes_of("123456"));
  EXPECT_EQ(old_pin->kind, VerifyResult::Kind::kWrong);
  t.verify_pin("87654321");
  EXPECT_FALSE(t.piv().metadata(0x80)->value().is_default);
}

TEST(PivPin, ChangePukWithAWrongPukSpendsAPukTry) {
  PivToken t;
  auto wrong = t.piv().change_puk(bytes_of("00000000"), bytes_of("11223344"));
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->retries_left, 2);
  EXPECT_EQ(puk_remaining(t), 2);
  EXPECT_EQ(pin_remaining(t), 3);
  auto right = t.piv().change_puk(bytes_of("12345678"), bytes_of("11223344"));
  ASSERT_TRUE(right.ok() && right->ok());
  EXPECT_EQ(puk_remaining(t), 3);
  auto unblock = t.piv().unblock_pin(bytes_of("11223344"), bytes_of("135790"));
  EXPECT_TRUE(unblock.ok() && unblock->ok());
}

TEST(PivPin, TokenWithoutPukAnswers6984ToPukCommands) {
  PivToken t("factory");
  auto r = t.piv().unblock_pin(bytes_of("12345678"), bytes_of("123456"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, VerifyResult::Kind::kNotInitialized);
  EXPECT_EQ(r->sw.value, 0x6984);
  EXPECT_EQ(t.raw("00F7008100"), "6A88");
  EXPECT_FALSE(t.piv().metadata(0x81)->has_value());
}

TEST(PivPin, ForcedChangeRefusesPinOperationsUntilTheChange) {
  PivToken t;
  t.authenticate();
  ASSERT_TRUE(t.piv().generate_key(0x9A, Algorithm::kEccP256).ok());
  t.card().context().policy.force_change = true;
  t.verify_pin();  // VERIFY itself answers normally
  const Bytes digest = crypto::hash(crypto::HashAlg::kSha256, bytes_of("x"));
  auto refused = t.piv().sign(0x9A, Algorithm::kEccP256, digest);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, 0x6985u);
  EXPECT_EQ(t.raw("00CB3FFF055C035FC109"), "6985");
  auto changed = t.piv().change_pin(bytes_of("123456"), bytes_of("314159"));
  ASSERT_TRUE(changed.ok() && changed->ok());
  EXPECT_FALSE(t.card().context().policy.force_change);
  EXPECT_TRUE(t.piv().sign(0x9A, Algorithm::kEccP256, digest).ok());
}
