// The keydesk CLI end to end in process: real argument parsing, real command table and handlers, a
// simulated case-study token behind a LoopbackTransport. Asserts what a help desk would see: exit codes,
// status words in words, counters before and after, and that interlocks leave the token untouched.
#include <gtest/gtest.h>

#include <sstream>

#include "card/card.h"
#include "card/profile.h"
#include "cbor/cbor.h"
#include "cli/app.h"
#include "iso7816/apdu.h"
#include "testing/loopback_transport.h"
#include "token/standard_token.h"

using namespace keydesk;
using nlohmann::json;

namespace {

// One or more simulated tokens, each in its own "reader".
class LoopbackTokens final : public access::TokenSource {
 public:
  explicit LoopbackTokens(const char* profile, int count = 1) {
    auto doc = card::load_profile(profile, {KEYDESK_PROFILE_SOURCE_DIR});
    EXPECT_TRUE(doc.ok());
    for (int i = 0; i < count; ++i) {
      auto c = std::make_unique<card::Card>();
      token::install_standard_applets(*c, *doc);
      EXPECT_TRUE(c->load(*doc).ok());
      cards_.push_back(std::move(c));
    }
  }
  Result<std::vector<access::TokenInfo>> list() override {
    std::vector<access::TokenInfo> out;
    for (size_t i = 0; i < cards_.size(); ++i)
      out.push_back(
          {static_cast<int>(i), "Loopback Reader 00 0" + std::to_string(i), cards_[i]->atr(), {}, {}});
    return out;
  }
  Result<std::unique_ptr<transport::ApduTransport>> open_card(const access::TokenInfo& t) override {
    return std::unique_ptr<transport::ApduTransport>(std::make_unique<Recorded>(*cards_[t.index], sent));
  }
  card::Card& card(int i = 0) { return *cards_[static_cast<size_t>(i)]; }

  // Every APDU that reached a card, in order.
  std::vector<Bytes> sent;

 private:
  class Recorded final : public transport::ApduTransport {
   public:
    Recorded(card::Card& card, std::vector<Bytes>& log) : card_(card), log_(log) {}
    Result<Bytes> transmit(ByteView command) override {
      log_.emplace_back(command.begin(), command.end());
      return card_.transmit(command);
    }
    Bytes atr() const override { return card_.atr(); }
    std::string name() const override { return card_.name(); }

   private:
    keydesk::testing::LoopbackTransport card_;
    std::vector<Bytes>& log_;
  };

  std::vector<std::unique_ptr<card::Card>> cards_;
};

struct Run {
  int code;
  std::string out, err;
  json parsed() const { return json::parse(out); }
};

Run run_cli(LoopbackTokens& tokens, std::vector<std::string> args, const std::string& stdin_text = "") {
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  const int code = cli::run_keydesk(args, tokens, {in, false, out, err});
  return {code, out.str(), err.str()};
}

// NFCCTAP requests for a PIN token (clientPIN 0x06 with subCommand 0x05 or 0x09) among `apdus`.
int pin_token_requests(const std::vector<Bytes>& apdus) {
  int n = 0;
  for (const auto& raw : apdus) {
    auto c = iso7816::parse_command(raw);
    if (!c || c->cla != 0x80 || c->ins != 0x10 || c->data.size() < 2 || c->data[0] != 0x06) continue;
    cbor::Value request;
    if (cbor::decode(ByteView(c->data).subspan(1), request) != cbor::DecodeStatus::kOk) continue;
    const cbor::Value* sub = request.find(int64_t{2});
    if (sub && sub->is_unsigned() && (sub->as_unsigned() == 0x05 || sub->as_unsigned() == 0x09)) ++n;
  }
  return n;
}

int pin_counter(LoopbackTokens& t) {
  return t.card().context().pin.remaining();
}

}  // namespace

TEST(CliCaseStudy, AcaPropertiesAnswerTheCaseStudy) {
  LoopbackTokens tokens("case-study");
  auto r = run_cli(tokens, {"aca-props-get", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = r.parsed();
  EXPECT_EQ(j["CurrentPinTryCounter"], 6);
  EXPECT_EQ(j["MaxPinTryCounter"], 6);
  EXPECT_EQ(j["PUKInitialized"], false);
  EXPECT_TRUE(j["CurrentPinUnlockCounter"].is_null());
  EXPECT_EQ(j["XAUTHKeysInitializedStatus"], true);
  EXPECT_EQ(j["XAUTHChallengeType"], "Dynamic");
  EXPECT_EQ(j["PINSharedWithFIDO"], false);
}

TEST(CliCaseStudy, WrongPinThenDefaultPinShowStatusWordsAndCounters) {
  LoopbackTokens tokens("case-study");
  auto wrong = run_cli(tokens, {"pin-verify", "-p", "123456"});
  EXPECT_EQ(wrong.code, 5) << wrong.err;
  EXPECT_NE(wrong.out.find("63C5: wrong PIN, 5 retries remaining"), std::string::npos) << wrong.out;
  EXPECT_NE(wrong.out.find("6 before, 5 after"), std::string::npos) << wrong.out;
  auto right = run_cli(tokens, {"pin-verify", "-p", "000000", "--json"});
  EXPECT_EQ(right.code, 0) << right.err;
  EXPECT_EQ(right.parsed()["StatusWord"], "9000");
  EXPECT_EQ(right.parsed()["RetriesBefore"], 5);
  EXPECT_EQ(right.parsed()["RetriesAfter"], 6);
}

TEST(CliInterlock, RefusesAnAttemptThatCouldLeaveNoWayBackAndSpendsNothing) {
  LoopbackTokens tokens("factory");  // 3 retries, no PUK, no XAUTH
  auto r = run_cli(tokens, {"pin-verify", "-p", "654321"});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find("no PUK or XAUTH"), std::string::npos) << r.err;
  EXPECT_EQ(pin_counter(tokens), 3) << "the refused attempt reached the card";
  auto forced = run_cli(tokens, {"pin-verify", "-p", "654321", "--force"});
  EXPECT_EQ(forced.code, 5);
  EXPECT_EQ(pin_counter(tokens), 2) << "--force makes exactly one attempt";
}

TEST(CliInterlock, MalformedPinNeverReachesTheCard) {
  LoopbackTokens tokens("case-study");
  for (const char* pin : {"12345", "123456789", "12\t456"}) {
    auto r = run_cli(tokens, {"pin-verify", "-p", pin});
    EXPECT_EQ(r.code, 2) << pin << ": " << r.err;
  }
  EXPECT_EQ(pin_counter(tokens), 6);
}

TEST(CliSecrets, TracesMaskThePinAndEveryWayToPassItWorks) {
  LoopbackTokens tokens("case-study");
  auto r = run_cli(tokens, {"-v", "pin-verify", "-p", "000000"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("> 00 20 00 80"), std::string::npos) << "no trace of the VERIFY: " << r.err;
  EXPECT_EQ(r.err.find("303030303030"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("000000"), std::string::npos) << r.err;

  setenv("KEYDESK_TEST_PIN", "000000", 1);
  EXPECT_EQ(run_cli(tokens, {"pin-verify", "-p", "env:KEYDESK_TEST_PIN"}).code, 0);
  EXPECT_EQ(run_cli(tokens, {"pin-verify", "-p", "-"}, "000000\n").code, 0);
  EXPECT_EQ(run_cli(tokens, {"pin-verify"}, "000000\n").code, 0) << "no value reads standard input";
  EXPECT_EQ(run_cli(tokens, {"pin-verify", "-p", "env:KEYDESK_NO_SUCH_VARIABLE"}).code, 2);
  EXPECT_EQ(pin_counter(tokens), 6);
}

TEST(CliOath, ListsTheCaseStudyCredentialsWithoutAdvancingTheHotpCounter) {
  LoopbackTokens tokens("case-study");
  const auto before = tokens.card().save().dump();
  auto r = run_cli(tokens, {"otp-props-get", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto creds = r.parsed()["Credentials"];
  ASSERT_EQ(creds.size(), 3u);
  EXPECT_EQ(creds[0]["Type"], "HOTP");
  EXPECT_GT(creds[0]["Counter"].get<uint64_t>(), 4'000'000'000ULL);
  EXPECT_EQ(creds[0]["ContactUsageACR"], "Always");
  EXPECT_EQ(creds[1]["ContactUsageACR"], "Pin");
  EXPECT_EQ(tokens.card().save().dump(), before);
}

TEST(CliDiagnose, FindsTheCaseStudyAndChangesNothing) {
  LoopbackTokens tokens("case-study");
  const auto before = tokens.card().save().dump();
  auto r = run_cli(tokens, {"diagnose", "--symptom", "windows-logon", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = r.parsed();
  std::vector<std::string> ids;
  for (const auto& f : j["Findings"]) ids.push_back(f["id"]);
  for (const char* id :
       {"pin-not-locked", "puk-not-initialized", "xauth-unblock-available", "hotp-counter-suspicious"})
    EXPECT_NE(std::find(ids.begin(), ids.end(), id), ids.end()) << id;
  EXPECT_EQ(j["Token"]["CUID"].get<std::string>().size(), 20u);
  EXPECT_NE(j["PinToCheck"]["Pin"].get<std::string>().find("smart card PIN"), std::string::npos);
  EXPECT_EQ(tokens.card().save().dump(), before) << "diagnose changed the token's state";
}

TEST(CliDiagnose, SeveralTokensAreAFindingAndOtherCommandsNeedAnIndex) {
  LoopbackTokens tokens("case-study", 2);
  auto d = run_cli(tokens, {"diagnose", "--json"});
  ASSERT_EQ(d.code, 0) << d.err;
  EXPECT_NE(d.out.find("several-tokens"), std::string::npos);
  EXPECT_EQ(run_cli(tokens, {"token-cuid"}).code, 2);
  EXPECT_EQ(run_cli(tokens, {"-t", "1", "token-cuid"}).code, 0);
  EXPECT_EQ(run_cli(tokens, {"-t", "7", "token-cuid"}).code, 4);
}

TEST(CliDestructive, TokenResetNeedsTheTokensCuidAndShowsWhatSurvives) {
  LoopbackTokens tokens("case-study");
  const auto before = tokens.card().save().dump();
  auto r = run_cli(tokens, {"token-reset"});
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.out.find("WIPES"), std::string::npos) << r.out;
  EXPECT_EQ(run_cli(tokens, {"token-reset", "--confirm-cuid", "00000000000000000000"}).code, 3);
  EXPECT_EQ(tokens.card().save().dump(), before);
  const std::string cuid = run_cli(tokens, {"token-cuid", "--json"}).parsed()["CUID"];
  auto done = run_cli(tokens, {"token-reset", "--confirm-cuid", cuid});
  EXPECT_EQ(done.code, 0) << done.err;
  EXPECT_EQ(run_cli(tokens, {"otp-props-get", "--json"}).parsed()["Credentials"].size(), 0u);
}

TEST(CliDestructive, FidoTokenResetErasesTheFidoPinOnlyWithTheTokensCuid) {
  LoopbackTokens tokens("case-study");
  ASSERT_EQ(run_cli(tokens, {"fido-pin-change", "-n", "4321"}).code, 0);
  auto refused = run_cli(tokens, {"fido-token-reset", "--json"});
  EXPECT_EQ(refused.code, 3) << refused.err;
  EXPECT_EQ(refused.parsed()["Done"], false);
  EXPECT_FALSE(refused.parsed().contains("SpendsAllPinAndPukTries")) << "FIDO's reset spends no card PIN";
  EXPECT_EQ(run_cli(tokens, {"fido-props-get", "--json"}).parsed()["Options"]["clientPin"], true);
  const std::string cuid = run_cli(tokens, {"token-cuid", "--json"}).parsed()["CUID"];
  auto done = run_cli(tokens, {"fido-token-reset", "--confirm-cuid", cuid, "--json"});
  ASSERT_EQ(done.code, 0) << done.out << done.err;
  EXPECT_EQ(done.parsed()["Done"], true);
  EXPECT_NE(done.parsed()["Steps"][0].get<std::string>().find("every passkey and the FIDO PIN erased"),
            std::string::npos)
      << done.out;
  EXPECT_EQ(run_cli(tokens, {"fido-props-get", "--json"}).parsed()["Options"]["clientPin"], false);
  EXPECT_EQ(pin_counter(tokens), 6) << "the card PIN is not FIDO's";
}

TEST(CliArguments, UsageErrorsExitTwoAndTouchNothing) {
  LoopbackTokens tokens("case-study");
  EXPECT_EQ(run_cli(tokens, {"lockout-fix"}).code, 2);
  EXPECT_EQ(run_cli(tokens, {"pin-verify", "--symptom", "vpn"}).code, 2);
  EXPECT_EQ(run_cli(tokens, {"-t", "abc", "token-info"}).code, 2);
  EXPECT_EQ(run_cli(tokens, {"diagnose", "--symptom", "locked"}).code, 2);
  EXPECT_EQ(run_cli(tokens, {"token-info", "extra"}).code, 2);
  EXPECT_EQ(run_cli(tokens, {"explain"}).code, 2);
  EXPECT_EQ(pin_counter(tokens), 6);
}

TEST(CliArguments, HelpOptionPrintsTheUsageAndExitsZero) {
  LoopbackTokens tokens("case-study");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--help"}, {"-h"}, {"help"}, {"pin-verify", "-p", "123456", "--help"}}) {
    const auto r = run_cli(tokens, args);
    EXPECT_EQ(r.code, 0) << args.front() << ": " << r.err;
    EXPECT_NE(r.out.find("usage: keydesk"), std::string::npos) << args.front();
  }
  EXPECT_EQ(pin_counter(tokens), 6) << "pin-verify --help must not try the PIN";
}

TEST(CliExplain, StatusWordsAndCtapCodesInWords) {
  LoopbackTokens tokens("case-study");
  auto r = run_cli(tokens, {"explain", "63C5", "6983", "0x34", "35"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("wrong PIN, 5 retries remaining"), std::string::npos);
  EXPECT_NE(r.out.find("CTAP2_ERR_PIN_AUTH_BLOCKED"), std::string::npos);
  EXPECT_NE(r.out.find("NOT a lockout"), std::string::npos) << "0x34 must not read as exhausted";
  EXPECT_NE(r.out.find("CTAP2_ERR_PIN_NOT_SET"), std::string::npos);
  EXPECT_EQ(run_cli(tokens, {"explain", "zz"}).code, 2);
}

TEST(CliFido, PropsAndDiagnoseSendNoPinAndCheckThatNothingWasSpent) {
  LoopbackTokens tokens("case-study");
  auto props = run_cli(tokens, {"fido-props-get", "--json"});
  ASSERT_EQ(props.code, 0) << props.err;
  EXPECT_EQ(props.parsed()["Options"]["clientPin"], false);
  EXPECT_EQ(props.parsed()["RemainingDiscoverableCredentials"], 30);
  EXPECT_FALSE(props.parsed().contains("PinProbeStatus")) << "the PIN_NOT_SET probe is gone";
  EXPECT_EQ(pin_token_requests(tokens.sent), 0);
  const auto before = tokens.card().save().dump();
  auto list = run_cli(tokens, {"fido-cred-list", "-p", "000000", "--json"});
  EXPECT_EQ(list.code, 0) << list.err;
  EXPECT_EQ(list.parsed()["CtapStatus"], "CTAP2_ERR_PIN_NOT_SET");
  EXPECT_EQ(list.parsed()["PinRetriesBefore"], list.parsed()["PinRetriesAfter"]);
  EXPECT_EQ(tokens.card().save().dump(), before);
  EXPECT_GT(pin_token_requests(tokens.sent), 0) << "fido-cred-list's attempt is a PIN token request";
  tokens.sent.clear();
  auto traced = run_cli(tokens, {"-v", "diagnose", "--symptom", "passkey", "--json"});
  ASSERT_EQ(traced.code, 0) << traced.err;
  const auto diagnosis = traced.parsed();
  EXPECT_FALSE(diagnosis["Fido"].contains("PinProbeStatus"));
  // No getPinToken / getPinUvAuthTokenUsingPinWithPermissions (clientPIN subCommand 5 or 9) reached the
  // card: nothing that carries a PIN was sent.
  EXPECT_EQ(pin_token_requests(tokens.sent), 0);
  std::string ids;
  for (const auto& f : diagnosis["Findings"]) ids += f["id"].get<std::string>() + " ";
  EXPECT_NE(ids.find("fido-pin-not-set"), std::string::npos) << ids;
  EXPECT_NE(ids.find("fido-no-credentials"), std::string::npos) << ids;
  const auto& check = diagnosis["CounterCheck"];
  EXPECT_EQ(check["Outcome"], "unchanged") << check.dump();
  EXPECT_EQ(check["Refused"], 0);
  EXPECT_FALSE(check["FidoPinSetMeanwhile"].get<bool>());
  std::string counters;
  for (const auto& c : check["Unchanged"]) counters += c["Counter"].get<std::string>() + "; ";
  for (const char* name :
       {"card PIN retries (ACA)", "FIDO PIN set", "free FIDO passkey slots", "HOTP counter of"})
    EXPECT_NE(counters.find(name), std::string::npos) << counters;
  auto human = run_cli(tokens, {"diagnose"});
  ASSERT_EQ(human.code, 0) << human.err;
  EXPECT_NE(human.out.find("Nothing was spent: every counter keydesk can read without spending was read at "
                           "the start and again at the end, and none changed"),
            std::string::npos)
      << human.out;
  EXPECT_EQ(tokens.card().save().dump(), before);
}

// A FIDO PIN that can never be right is a usage error (exit 2) before anything reaches the token: no
// APDU in the -v trace, nothing changed.
TEST(CliFido, MalformedFidoPinsExitTwoBeforeAnythingIsSent) {
  LoopbackTokens tokens("case-study");
  const auto before = tokens.card().save().dump();
  const std::string sixty_four(64, '1');
  tokens.sent.clear();
  for (const std::string& pin : {std::string(), std::string("123"), std::string("\xC3\xA4\xC3\xA4"),
                                 std::string("\xFF\xFE"
                                             "1234"),
                                 std::string("12\xC0\xAF"
                                             "34"),
                                 sixty_four}) {
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"-v", "fido-cred-list", "-p", pin},
                                               {"-v", "fido-pin-change", "-n", pin},
                                               {"-v", "fido-pin-change", "-p", pin, "-n", "24681357"}}) {
      auto r = run_cli(tokens, args);
      EXPECT_EQ(r.code, 2) << args[1] << " '" << pin << "': " << r.err;
      EXPECT_EQ(r.err.find("\n>"), std::string::npos) << "an APDU was sent: " << r.err;
      EXPECT_EQ(r.err.rfind(">", 0), std::string::npos) << "an APDU was sent: " << r.err;
      EXPECT_NE(r.err.find("nothing was sent to the key"), std::string::npos) << r.err;
    }
  }
  EXPECT_EQ(tokens.card().save().dump(), before);
  EXPECT_TRUE(tokens.sent.empty()) << tokens.sent.size() << " APDUs reached the card";
  // Four characters of two bytes each are a PIN (CTAP counts code points): this one is sent, and answered.
  auto umlauts = run_cli(tokens, {"fido-cred-list", "-p", "\xC3\xA4\xC3\xB6\xC3\xBC\xC3\x9F", "--json"});
  EXPECT_EQ(umlauts.code, 0) << umlauts.err;
  EXPECT_EQ(umlauts.parsed()["CtapStatus"], "CTAP2_ERR_PIN_NOT_SET");
}

TEST(CliFido, SetThenWrongPinSpendsExactlyOneRetryAndNeverRepeats) {
  LoopbackTokens tokens("case-study");
  ASSERT_EQ(run_cli(tokens, {"fido-pin-change", "-n", "4321"}).code, 0);
  auto wrong = run_cli(tokens, {"fido-cred-list", "-p", "9999", "--json"});
  EXPECT_EQ(wrong.code, 5) << wrong.out << wrong.err;
  EXPECT_EQ(wrong.parsed()["CtapStatus"], "CTAP2_ERR_PIN_INVALID");
  EXPECT_EQ(wrong.parsed()["PinRetriesBefore"].get<int>() - 1, wrong.parsed()["PinRetriesAfter"].get<int>());
  auto malformed = run_cli(tokens, {"fido-cred-list", "-p", "12"});
  EXPECT_EQ(malformed.code, 2) << "a 2-digit FIDO PIN must not reach the key";
  auto right = run_cli(tokens, {"fido-cred-list", "-p", "4321", "--json"});
  EXPECT_EQ(right.code, 0) << right.err;
  EXPECT_EQ(right.parsed()["Credentials"].size(), 0u);
}

TEST(CliSecrets, FidoPinsAndNewPinsNeverAppearInTraces) {
  LoopbackTokens tokens("case-study");
  std::string traces;
  for (auto args :
       std::vector<std::vector<std::string>>{{"-v", "fido-pin-change", "-n", "4321"},
                                             {"-v", "fido-cred-list", "-p", "4321"},
                                             {"-v", "pin-change", "-p", "000000", "-n", "765432"}}) {
    auto r = run_cli(tokens, args);
    EXPECT_EQ(r.code, 0) << r.err;
    traces += r.err;
  }
  EXPECT_NE(traces.find("> 80 10 00 00"), std::string::npos) << "no CTAP traced";
  // (the ASCII "000000" also occurs inside the AAGUID, so that PIN is checked by its bytes only)
  for (const char* secret : {"4321", "34333231", "765432", "373635343332", "303030303030"})
    EXPECT_EQ(traces.find(secret), std::string::npos) << secret << " in:\n" << traces;
}
