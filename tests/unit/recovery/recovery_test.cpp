// src/recovery: the unblock codes as a person types them, the help desk's choice of the admin key by the
// record's key check value (against docs/provisioning.md's vectors), and the offline XAUTH unblock and the
// force-change on the in-process case-study token, whose XAUTH key is the published TEST key of
// docs/aca-protocol.md section 10.
#include <gtest/gtest.h>

#include "fixtures/sim_token.h"
#include "host/aca/aca_session.h"
#include "protocol/aca.h"
#include "provision/derivation.h"
#include "recovery/code_entry.h"
#include "recovery/xauth_unblock.h"

using namespace keydesk;
using namespace keydesk::recovery;
namespace code = keydesk::protocol::unblock_code;
using keydesk::testing::hex;
using keydesk::testing::SimToken;

namespace {

const char* kTestKey = "404142434445464748494A4B4C4D4E4F";  // docs/aca-protocol.md section 10

host::aca::AcaProperties properties(SimToken& t) {
  host::aca::AcaSession s(t.connection());
  EXPECT_TRUE(s.select().ok());
  auto p = s.properties();
  EXPECT_TRUE(p.ok());
  return p ? *p : host::aca::AcaProperties{};
}

Bytes cryptogram_for(const XauthChallenge& pending, const char* key_hex) {
  auto c = protocol::aca::xauth_cryptogram(pending.cipher, hex(key_hex), pending.challenge);
  EXPECT_TRUE(c.ok());
  return c ? *c : Bytes{};
}

}  // namespace

TEST(CodeEntry, ChecksumApartOrAsTheLastFourDigits) {
  const Bytes block = hex("00112233445566778899AABBCCDDEEFF");
  const code::Code c = code::encode(code::Kind::kResponse, block);
  auto apart = read_typed_code(code::Kind::kResponse, c.digits, c.checksum, 16);
  ASSERT_TRUE(apart.ok()) << describe(apart.error());
  EXPECT_EQ(*apart, block);
  auto together = read_typed_code(code::Kind::kResponse, c.digits + "  " + c.checksum, "", std::nullopt);
  ASSERT_TRUE(together.ok()) << describe(together.error());
  EXPECT_EQ(*together, block);
  EXPECT_TRUE(needs_separate_checksum(c.digits, 16));
  EXPECT_FALSE(needs_separate_checksum(c.digits + c.checksum, 16));
}

TEST(CodeEntry, WrongLengthKindOrBlockSizeIsAUsageError) {
  const code::Code des = code::encode(code::Kind::kChallenge, hex("0102030405060708"));
  // The help desk infers the block size from the digits; the user's side knows it.
  EXPECT_TRUE(read_typed_code(code::Kind::kChallenge, des.digits, des.checksum, std::nullopt).ok());
  auto wrong_size = read_typed_code(code::Kind::kChallenge, des.digits, des.checksum, size_t{16});
  ASSERT_FALSE(wrong_size.ok());
  EXPECT_EQ(wrong_size.error().kind, ErrorKind::kUsage);
  for (std::string typed : {des.digits.substr(1), des.digits + "7", std::string("12345"), std::string()}) {
    auto r = read_typed_code(code::Kind::kChallenge, typed, des.checksum, std::nullopt);
    ASSERT_FALSE(r.ok()) << typed;
    EXPECT_EQ(r.error().kind, ErrorKind::kUsage);
  }
  auto swapped = read_typed_code(code::Kind::kResponse, des.digits, des.checksum, size_t{8});
  ASSERT_FALSE(swapped.ok());
  EXPECT_NE(describe(swapped.error()).find("this is a challenge"), std::string::npos);
  auto letters = read_typed_code(code::Kind::kChallenge, "A" + des.digits, des.checksum, std::nullopt);
  ASSERT_FALSE(letters.ok());
  EXPECT_EQ(letters.error().kind, ErrorKind::kUsage);
}

TEST(AdminKeyChoice, KeyCheckValuesMatchTheProvisioningVectors) {
  // docs/provisioning.md, "XAUTH admin key, diversified per token": master 00..1F, CUID 4090A1B2C3D4E5F60718.
  EXPECT_EQ(*admin_key_check_value(
                {crypto::BlockCipher::kAes128, secure_copy(hex("F664EC38F176A86065CD8550B71B204E"))}),
            "C137AB");
  EXPECT_EQ(*admin_key_check_value({crypto::BlockCipher::kTdes,
                                    secure_copy(hex("2523F2326D9DB9A145854A318037DC1C7CC4FDDCE38F158C"))}),
            "7B686B");
}

TEST(AdminKeyChoice, TheRecordsCheckValuePicksTheKeyOrRefuses) {
  Bytes master(32);
  for (size_t i = 0; i < master.size(); ++i) master[i] = static_cast<uint8_t>(i);
  const auto cuid = *iso7816::Cuid::parse("4090A1B2C3D4E5F60718");
  auto candidates = [&] {
    std::vector<AdminKey> all;
    for (auto cipher : ciphers_for_block(16))
      all.push_back({cipher, *provision::diversify_admin_key(master, cuid, cipher)});
    return all;
  };
  auto chosen = choose_admin_key(candidates(), 16, "bdd1a2");  // AES-192's KCV, typed in lower case
  ASSERT_TRUE(chosen.ok()) << describe(chosen.error());
  EXPECT_EQ(chosen->cipher, crypto::BlockCipher::kAes192);
  auto none = choose_admin_key(candidates(), 16, "000000");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind, ErrorKind::kRefused);
  auto no_check = choose_admin_key(candidates(), 16, "");
  ASSERT_FALSE(no_check.ok());
  EXPECT_EQ(no_check.error().kind, ErrorKind::kRefused);
  // An AES key never answers a 3DES challenge, whatever its check value.
  EXPECT_FALSE(choose_admin_key(candidates(), 8, "C137AB").ok());
  EXPECT_TRUE(ciphers_for_block(12).empty());
}

TEST(XauthUnblock, TheRightResponseUnblocksThePinInTheSameSession) {
  SimToken token("case-study");
  auto pending = begin_xauth_unblock(token.connection(), "24681357", false);
  ASSERT_TRUE(pending.ok()) << describe(pending.error());
  EXPECT_EQ(pending->challenge.size(), 16u);
  EXPECT_FALSE(pending->replayable);
  auto report =
      finish_xauth_unblock(token.connection(), *pending, cryptogram_for(*pending, kTestKey), "24681357");
  ASSERT_TRUE(report.ok()) << describe(report.error());
  EXPECT_EQ(report->outcome, runbook::AttemptOutcome::kOk);
  EXPECT_TRUE(report->pin_unblocked);
  EXPECT_TRUE(report->xauth_ended);
  // The help desk's authority does not outlive the unblock: SET PROPERTIES now needs XAUTH again.
  EXPECT_EQ(token.raw("8032000003 8E0101"), "6982");
  host::aca::AcaSession s(token.connection());
  ASSERT_TRUE(s.select().ok());
  auto verified = s.verify_pin("24681357");
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok());
}

TEST(XauthUnblock, AWrongResponseSpendsOneXauthTryAndSaysHowManyAreLeft) {
  SimToken token("case-study");
  const int before = properties(token).xauth_tries;
  auto pending = begin_xauth_unblock(token.connection(), "24681357", false);
  ASSERT_TRUE(pending.ok());
  auto report = finish_xauth_unblock(token.connection(), *pending, Bytes(16, 0x5A), "24681357");
  ASSERT_TRUE(report.ok()) << describe(report.error());
  EXPECT_EQ(report->outcome, runbook::AttemptOutcome::kWrong);
  EXPECT_FALSE(report->pin_unblocked);
  EXPECT_EQ(report->xauth_before, before);
  EXPECT_EQ(report->xauth_after, before - 1);
  EXPECT_FALSE(report->next_step.empty());
  EXPECT_EQ(properties(token).xauth_tries, before - 1);
}

TEST(XauthUnblock, ANewPinTheTokenWouldRefuseSpendsNothingAndReadsNoChallenge) {
  SimToken token("case-study");
  const int before = properties(token).xauth_tries;
  auto pending = begin_xauth_unblock(token.connection(), "123", false);  // MinPinLength is 6
  ASSERT_FALSE(pending.ok());
  EXPECT_EQ(pending.error().kind, ErrorKind::kUsage);
  EXPECT_EQ(properties(token).xauth_tries, before);
  // No challenge is pending: EXTERNAL AUTHENTICATE has nothing to answer.
  EXPECT_EQ(token.raw("0082000010 00000000000000000000000000000000"), "6985");
}

TEST(XauthUnblock, AnEndedCardSessionInvalidatesTheExchangeAndSpendsNothing) {
  SimToken token("case-study");
  const int before = properties(token).xauth_tries;
  auto pending = begin_xauth_unblock(token.connection(), "24681357", false);
  ASSERT_TRUE(pending.ok());
  token.raw("00A4040007A0000005272101");  // another program selects OATH: the ACA session ends
  auto report =
      finish_xauth_unblock(token.connection(), *pending, cryptogram_for(*pending, kTestKey), "24681357");
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().kind, ErrorKind::kTokenReset);
  EXPECT_NE(describe(report.error()).find("no longer holds the challenge"), std::string::npos);
  EXPECT_EQ(properties(token).xauth_tries, before);
}

TEST(XauthUnblock, LowXauthTriesAreRefusedUnlessForced) {
  SimToken token("case-study");  // no PUK: the XAUTH key is the only way back
  for (int i = properties(token).xauth_tries; i > 3; --i) {
    auto pending = begin_xauth_unblock(token.connection(), "24681357", true);
    ASSERT_TRUE(pending.ok());
    ASSERT_TRUE(finish_xauth_unblock(token.connection(), *pending, Bytes(16, 0), "24681357").ok());
  }
  auto refused = begin_xauth_unblock(token.connection(), "24681357", false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kRefused);
  EXPECT_TRUE(begin_xauth_unblock(token.connection(), "24681357", true).ok());
}

TEST(ForcePinChange, SetWithTheAdminKeyRefusedWithAnotherOne) {
  SimToken token("case-study");
  ASSERT_TRUE(set_force_pin_change(token.connection(), hex(kTestKey)).ok());
  EXPECT_TRUE(properties(token).force_pin_change);
  EXPECT_EQ(token.raw("8032000003 8E0100"), "6982");  // the XAUTH authentication was ended
  SimToken other("case-study");
  const int before = properties(other).xauth_tries;
  auto wrong = set_force_pin_change(other.connection(), Bytes(16, 0x11));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().kind, ErrorKind::kRefused);
  EXPECT_FALSE(properties(other).force_pin_change);
  EXPECT_EQ(properties(other).xauth_tries, before - 1);
}
