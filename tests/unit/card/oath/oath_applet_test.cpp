// YKOATH through the host session and the in-process transport, judged by RFC 4226/6238 vectors and oathtool.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>

#include "crypto/digest.h"
#include "fixtures/sim_token.h"
#include "host/oath/oath_session.h"
#include "protocol/otp.h"
#include "protocol/ykoath.h"

using namespace keydesk;
using namespace keydesk::testing;
using host::VerifyResult;
using host::oath::OathCode;
using host::oath::OathCredentialSpec;
using host::oath::OathSession;
using host::oath::OathType;

namespace {
const Bytes kRfcSecret = bytes_of("12345678901234567890");

OathCredentialSpec spec(std::string name, OathType type, Bytes secret, int digits = 6,
                        crypto::HashAlg hash = crypto::HashAlg::kSha1) {
  OathCredentialSpec s;
  s.name = std::move(name);
  s.type = type;
  s.hash = hash;
  s.digits = digits;
  s.secret = std::move(secret);
  return s;
}

struct OathFixture : ::testing::Test {
  SimToken token{"yubikey5"};
  OathSession oath{token.connection()};
  void SetUp() override { ASSERT_TRUE(oath.select().ok()); }

  void put(const std::string& name, OathType type, Bytes secret, int digits = 6,
           crypto::HashAlg hash = crypto::HashAlg::kSha1) {
    const Status s = oath.put(spec(name, type, std::move(secret), digits, hash));
    ASSERT_TRUE(s.ok()) << describe(s.error());
  }
};

// oathtool's HOTP code for a hex secret at a counter: an independent implementation as the judge.
std::string oathtool_hotp(const std::string& hex_secret, uint64_t counter) {
  const std::string cmd = "oathtool -c " + std::to_string(counter) + " " + hex_secret + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {};
  std::array<char, 64> line{};
  std::string out = fgets(line.data(), line.size(), p) ? std::string(line.data()) : std::string();
  pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}
}  // namespace

TEST_F(OathFixture, HotpCalculationsFollowRfc4226AppendixD) {
  put("rfc4226", OathType::kHotp, kRfcSecret);
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (const char* code : expected) {
    auto r = oath.calculate_hotp("rfc4226");
    ASSERT_TRUE(r.ok()) << describe(r.error());
    EXPECT_EQ(*r, code);
  }
  auto props = oath.list_with_properties();
  ASSERT_TRUE(props.ok());
  EXPECT_EQ(props->at(0).counter, 10u) << "every calculation advances the counter by one";
}

TEST_F(OathFixture, FullResponseIsTheRawHmacOfTheCounter) {
  put("rfc4226", OathType::kHotp, kRfcSecret);
  // CALCULATE P2=00: 75 15 <digits> <HMAC-SHA1(secret, counter 0)>
  EXPECT_EQ(token.raw("00A200001371077266633432323674080000000000000000"),
            "751506CC93CF18508D94934C64B65D8BA7667FB7CDE4B09000");
}

TEST_F(OathFixture, TotpCalculationsFollowRfc6238AppendixB) {
  put("sha1", OathType::kTotp, kRfcSecret, 8);
  put("sha256", OathType::kTotp, bytes_of("12345678901234567890123456789012"), 8, crypto::HashAlg::kSha256);
  put("sha512", OathType::kTotp, bytes_of("1234567890123456789012345678901234567890123456789012345678901234"),
      8, crypto::HashAlg::kSha512);
  struct Row {
    int64_t t;
    const char *sha1, *sha256, *sha512;
  };
  const Row rows[] = {{59, "94287082", "46119246", "90693936"},
                      {1111111109, "07081804", "68084774", "25091201"},
                      {1234567890, "89005924", "91819424", "93441116"},
                      {20000000000, "65353130", "77737706", "47863826"}};
  for (const Row& row : rows) {
    EXPECT_EQ(*oath.calculate_totp("sha1", row.t), row.sha1) << row.t;
    EXPECT_EQ(*oath.calculate_totp("sha256", row.t), row.sha256) << row.t;
    EXPECT_EQ(*oath.calculate_totp("sha512", row.t), row.sha512) << row.t;
  }
}

TEST_F(OathFixture, CalculateAllNeverAdvancesHotpCounters) {
  put("hotp", OathType::kHotp, kRfcSecret);
  put("totp", OathType::kTotp, kRfcSecret);
  OathCredentialSpec touch = spec("touch", OathType::kTotp, kRfcSecret);
  touch.touch = true;
  ASSERT_TRUE(oath.put(touch).ok());
  for (int i = 0; i < 3; ++i) {
    auto all = oath.calculate_all(59);
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 3u);
    EXPECT_EQ((*all)[0].kind, OathCode::Kind::kHotp);
    EXPECT_EQ((*all)[1].code, "287082");
    EXPECT_EQ((*all)[2].kind, OathCode::Kind::kNeedsAction) << "touch credentials are not calculated in bulk";
  }
  EXPECT_EQ(*oath.calculate_hotp("hotp"), "755224") << "the counter is still 0";
}

TEST_F(OathFixture, TouchCredentialNeedsPresenceAndReportsTimeoutAs6982) {
  // PUT with the property item "78 02" that has no length byte.
  EXPECT_EQ(token.raw("000100001B710574616C6C797310210631323334353637383930313233347802"), "9000");
  token.card().context().presence.set_mode(card::UserPresence::Mode::kDeny);
  auto denied = oath.calculate_totp("tally", 59);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, 0x6982u);
  token.card().context().presence.set_mode(card::UserPresence::Mode::kGrant);
  EXPECT_TRUE(oath.calculate_totp("tally", 59).ok());
  auto props = oath.list_with_properties();
  ASSERT_TRUE(props.ok());
  EXPECT_EQ(props->at(0).touch, true);
  EXPECT_EQ(props->at(0).contact, host::oath::OathAccessRule::kTouch);
}

TEST(OathPersistence, HotpCounterSurvivesARestartOfTheSimulator) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("oath-state-" + std::to_string(::getpid()) + ".json"))
          .string();
  std::filesystem::remove(path);
  {
    SimToken token(profile("yubikey5"), path);
    OathSession oath(token.connection());
    ASSERT_TRUE(oath.select().ok());
    ASSERT_TRUE(oath.put(spec("hotp", OathType::kHotp, kRfcSecret)).ok());
    const uint64_t writes = token.card().persist_count();
    EXPECT_EQ(*oath.calculate_hotp("hotp"), "755224");
    EXPECT_EQ(*oath.calculate_hotp("hotp"), "287082");
    EXPECT_EQ(token.card().persist_count(), writes + 2)
        << "each calculation is durable before the code leaves";
  }
  auto saved = card::read_json_file(path);
  ASSERT_TRUE(saved.ok());
  SimToken reopened(*saved, path);
  OathSession oath(reopened.connection());
  ASSERT_TRUE(oath.select().ok());
  EXPECT_EQ(*oath.calculate_hotp("hotp"), "359152") << "counter 2 after the restart";
  std::filesystem::remove(path);
}

TEST(OathCaseStudy, HotpCounterNearFourBillionMatchesOathtool) {
  SimToken token("case-study");
  OathSession oath(token.connection());
  ASSERT_TRUE(oath.select().ok());
  auto props = oath.list_with_properties();
  ASSERT_TRUE(props.ok());
  ASSERT_EQ(props->size(), 3u);
  EXPECT_EQ(props->at(0).name, "OATH HOTP");
  EXPECT_EQ(props->at(0).counter, 4160000123u);
  EXPECT_EQ(props->at(0).contact, host::oath::OathAccessRule::kAlways);
  EXPECT_EQ(props->at(1).contact, host::oath::OathAccessRule::kPin);
  EXPECT_EQ(props->at(2).period, 30u);
  const std::string judge = oathtool_hotp("3132333435363738393031323334353637383930", 4160000123);
  if (judge.empty()) GTEST_SKIP() << "oathtool is not installed";
  EXPECT_EQ(*oath.calculate_hotp("OATH HOTP"), judge) << "usable without the PIN (rule: always)";
}

TEST(OathCaseStudy, CountersBeyond32BitsUseAll64BitsOfTheMovingFactor) {
  auto doc = profile("case-study");
  doc["applets"]["oath"]["credentials"][0]["counter"] = 5000000000ull;
  SimToken token(doc);
  OathSession oath(token.connection());
  ASSERT_TRUE(oath.select().ok());
  const std::string judge = oathtool_hotp("3132333435363738393031323334353637383930", 5000000000ull);
  if (judge.empty()) GTEST_SKIP() << "oathtool is not installed";
  EXPECT_EQ(*oath.calculate_hotp("OATH HOTP"), judge);
}

TEST(OathCaseStudy, PinRuleCredentialsCalculateOnlyAfterTheCardPinIsVerified) {
  SimToken token("case-study");
  OathSession oath(token.connection());
  ASSERT_TRUE(oath.select().ok());
  auto refused = oath.calculate_totp("OATH TOTP 1", 59);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, 0x6982u);
  auto before = oath.calculate_all(59);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ((*before)[1].kind, OathCode::Kind::kNeedsAction) << "no code without the PIN";

  auto wrong = oath.verify_pin("123456");
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->kind, VerifyResult::Kind::kWrong);
  EXPECT_EQ(wrong->retries_left, 5) << "the card PIN's own counter (6 tries in the case study)";
  ASSERT_TRUE(oath.verify_pin("000000")->ok());
  EXPECT_EQ(token.card().context().pin.remaining(), 6) << "a right PIN restores the counter";

  auto code = oath.calculate_totp("OATH TOTP 1", 59);
  ASSERT_TRUE(code.ok());
  const Bytes mac =
      crypto::hmac(crypto::HashAlg::kSha1, bytes_of("keydesk-totp-1-test"), hex("0000000000000001"));
  EXPECT_EQ(*code, protocol::otp::format_code(
                       read_be32(ByteView(mac).subspan(mac.back() & 0x0F, 4)) & 0x7FFFFFFF, 6));
  auto after = oath.calculate_all(59);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)[1].code, *code);

  ASSERT_TRUE(oath.select().ok());
  EXPECT_FALSE(oath.calculate_totp("OATH TOTP 1", 59).ok()) << "verification ends with the selection";
}

TEST(OathCaseStudy, ForcedPinChangeRefusesPinRuleCredentialsWith6985) {
  SimToken token("case-study");
  token.card().context().policy.force_change = true;
  OathSession oath(token.connection());
  ASSERT_TRUE(oath.select().ok());
  ASSERT_TRUE(oath.verify_pin("000000")->ok());
  auto refused = oath.calculate_totp("OATH TOTP 2", 59);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, 0x6985u);
  EXPECT_TRUE(oath.calculate_hotp("OATH HOTP").ok()) << "an 'always' credential is not PIN-protected";
}

TEST_F(OathFixture, EmptyVerifyReportsTheStatusWithoutSpendingATry) {
  EXPECT_EQ(token.raw("0020008000"), "63C3");
  EXPECT_EQ(token.raw("0020008000"), "63C3");
  EXPECT_EQ(token.card().context().pin.remaining(), 3);
}

TEST(OathPassword, AccessKeyIsPbkdf2OfThePasswordAndGuardsEveryListing) {
  EXPECT_EQ(to_hex(protocol::ykoath::derive_access_key("password", hex("0102030405060708"))),
            "ed1b5a43d3a86504dd13c9da7606bd35");
  SimToken token("yubikey5");
  OathSession oath(token.connection());
  ASSERT_TRUE(oath.select().ok());
  ASSERT_TRUE(oath.put(spec("totp", OathType::kTotp, kRfcSecret)).ok());
  ASSERT_TRUE(oath.set_password("correct horse").ok());

  auto info = oath.select();
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->password_required);
  auto locked = oath.list();
  ASSERT_FALSE(locked.ok());
  EXPECT_EQ(locked.error().code, 0x6982u);
  EXPECT_EQ(*oath.validate("wrong horse"), false);
  ASSERT_TRUE(oath.select().ok());
  EXPECT_EQ(*oath.validate("correct horse"), true);
  EXPECT_EQ(oath.list()->size(), 1u);

  token.card().power_cycle();
  ASSERT_TRUE(oath.select().ok());
  EXPECT_FALSE(oath.list().ok()) << "a power cycle forgets the validation";
  ASSERT_TRUE(oath.validate("correct horse").ok());
  ASSERT_TRUE(oath.clear_password().ok());
  EXPECT_FALSE(oath.select()->password_required);
}

TEST_F(OathFixture, DeleteRenameAndResetChangeWhatListShows) {
  put("a", OathType::kTotp, kRfcSecret);
  put("b", OathType::kHotp, kRfcSecret);
  ASSERT_TRUE(oath.rename("a", "Example:alice").ok());
  ASSERT_TRUE(oath.remove("b").ok());
  auto listed = oath.list();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->at(0).name, "Example:alice");
  EXPECT_EQ(oath.remove("b").error().code, 0x6984u) << "deleting an unknown name";

  const Bytes salt = oath.select()->salt;
  ASSERT_TRUE(oath.reset().ok());
  EXPECT_TRUE(oath.list()->empty());
  EXPECT_NE(oath.select()->salt, salt) << "RESET gives the applet a new identity";
}

TEST_F(OathFixture, LongListingsArriveThroughSendRemaining) {
  for (int i = 0; i < 32; ++i)
    put("Issuer-with-a-long-name:account-" + std::to_string(i) + "@example.com", OathType::kTotp, kRfcSecret);
  auto listed = oath.list();
  ASSERT_TRUE(listed.ok()) << describe(listed.error());
  EXPECT_EQ(listed->size(), 32u);
  const Status full = oath.put(spec("one too many", OathType::kTotp, kRfcSecret));
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, 0x6A84u);
}

TEST_F(OathFixture, MalformedCommandsAnswerIsoStatusWordsAndChangeNothing) {
  EXPECT_EQ(token.raw("00010000057103616263"), "6A80") << "PUT without a key";
  EXPECT_EQ(token.raw("000100000B7101617306210931323334"), "6A80") << "PUT with 9 digits";
  EXPECT_EQ(token.raw("000100000B7101617306270631323334"), "6A80") << "PUT with an unknown algorithm";
  EXPECT_EQ(token.raw("000100000B710161730521063132333378"), "6A80") << "property tag without its byte";
  EXPECT_EQ(token.raw("00010000077101617308 2106"), "6A80") << "key TLV longer than the data";
  EXPECT_EQ(token.raw("00A1000000"), "9000") << "nothing was stored";
  EXPECT_EQ(token.raw("00A2000109710178740800000000"), "6A80") << "truncated TLV";
  EXPECT_EQ(token.raw("00A200010D71017874080000000000000001"), "6984") << "unknown credential";
  EXPECT_EQ(token.raw("00A200020D71017874080000000000000001"), "6B00") << "P2 beyond truncated";
  EXPECT_EQ(token.raw("0004DEAE"), "6B00") << "RESET needs P1P2 DEAD";
  EXPECT_EQ(token.raw("00EE000000"), "6D00");
  EXPECT_EQ(token.raw("80A1000000"), "6E00");
  EXPECT_EQ(token.raw("00A5000000"), "6985") << "SEND REMAINING with nothing pending";
}
