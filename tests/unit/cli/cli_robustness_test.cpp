// keydesk in process against hostile token data and failing links: names that are not UTF-8 or carry
// escape sequences, arguments that are not UTF-8, a token that goes away in the middle of diagnose, and
// PINs malformed by the rule every token shares (refused before anything is sent).
#include <gtest/gtest.h>

#include <sstream>

#include "card/card.h"
#include "card/profile.h"
#include "cli/app.h"
#include "core/text.h"
#include "testing/loopback_transport.h"
#include "token/standard_token.h"

using namespace keydesk;
using nlohmann::json;

namespace {

// A loopback token whose link fails with `failure` from the (limit+1)-th command on, counting every
// command that reached the card.
class FlakyTransport final : public transport::ApduTransport {
 public:
  FlakyTransport(card::Card& card, uint64_t& sent, std::optional<uint64_t> limit, ErrorKind failure)
      : card_(card), sent_(sent), limit_(limit), failure_(failure) {}
  Result<Bytes> transmit(ByteView command) override {
    if (limit_ && sent_ >= *limit_) return Error::make(failure_, "transmit (test link)");
    ++sent_;
    return card_.transmit(command);
  }
  Bytes atr() const override { return card_.atr(); }
  std::string name() const override { return "flaky"; }

 private:
  card::Card& card_;
  uint64_t& sent_;
  std::optional<uint64_t> limit_;
  ErrorKind failure_;
};

class TestToken final : public access::TokenSource {
 public:
  explicit TestToken(std::string reader = "Loopback Reader 00 00") : reader_(std::move(reader)) {
    auto doc = card::load_profile("case-study", {KEYDESK_PROFILE_SOURCE_DIR});
    EXPECT_TRUE(doc.ok());
    token::install_standard_applets(card_, *doc);
    EXPECT_TRUE(card_.load(*doc).ok());
  }
  Result<std::vector<access::TokenInfo>> list() override {
    return std::vector<access::TokenInfo>{{0, reader_, card_.atr(), {}, {}}};
  }
  Result<std::unique_ptr<transport::ApduTransport>> open_card(const access::TokenInfo&) override {
    return std::unique_ptr<transport::ApduTransport>(
        std::make_unique<FlakyTransport>(card_, sent, fail_after, failure));
  }
  card::Card& card() { return card_; }
  uint64_t sent = 0;
  std::optional<uint64_t> fail_after;
  ErrorKind failure = ErrorKind::kTokenRemoved;

 private:
  card::Card card_;
  std::string reader_;
};

struct Run {
  int code;
  std::string out, err;
};

Run run_cli(access::TokenSource& tokens, std::vector<std::string> args) {
  std::istringstream in;
  std::ostringstream out, err;
  const int code = cli::run_keydesk(args, tokens, {in, false, out, err});
  return {code, out.str(), err.str()};
}

bool has_control_bytes(const std::string& text) {
  for (char c : text)
    if ((static_cast<uint8_t>(c) < 0x20 && c != '\n') || c == 0x7F) return true;
  return false;
}

// YKOATH PUT (TOTP, SHA-1, 6 digits) of a credential with this name, straight to the card.
void put_oath(card::Card& card, const std::string& name) {
  (void)card.transmit(*from_hex("00A4040007A0000005272101"));
  Bytes data{0x71, static_cast<uint8_t>(name.size())};
  append(data, bytes_of(name));
  append(data, *from_hex("730C210631323334353637383930"));
  Bytes apdu{0x00, 0x01, 0x00, 0x00, static_cast<uint8_t>(data.size())};
  append(apdu, data);
  ASSERT_EQ(to_hex(card.transmit(apdu)), "9000");
}

TEST(CliRobustness, AnArgumentThatIsNotUtf8IsEscapedInValidJson) {
  TestToken tokens;
  auto r = run_cli(tokens, {"--json", "explain", "\xFF"});
  EXPECT_EQ(r.code, 2);
  const json j = json::parse(r.out);  // throws if not valid UTF-8
  EXPECT_EQ(j["error"]["kind"], "usage");
  EXPECT_NE(j["error"]["message"].get<std::string>().find("'\\xFF' is neither"), std::string::npos);
  auto human = run_cli(tokens, {"explain", "\x1B[2J\xFF"});
  EXPECT_EQ(human.code, 2);
  EXPECT_FALSE(has_control_bytes(human.err)) << human.err;
  EXPECT_TRUE(is_valid_utf8(human.err));
}

TEST(CliRobustness, HostileOathNamesAreLosslessInJsonAndHarmlessInTables) {
  TestToken tokens("Reader \x1B]0;pwned\x07\xFE");
  put_oath(tokens.card(), "J\xFF\x1B[31m");
  auto r = run_cli(tokens, {"--json", "otp-props-get"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  bool found = false;
  for (const auto& c : j["Credentials"]) {
    if (!c.contains("FriendlyNameHex")) continue;
    found = true;
    EXPECT_EQ(c["FriendlyNameHex"], "4AFF1B5B33316D");
    EXPECT_EQ(c["FriendlyName"], "J\xEF\xBF\xBD\x1B[31m");
  }
  EXPECT_TRUE(found) << r.out;
  auto table = run_cli(tokens, {"otp-props-get"});
  EXPECT_NE(table.out.find("J\\xFF\\x1B[31m"), std::string::npos) << table.out;
  EXPECT_FALSE(has_control_bytes(table.out));

  auto d = run_cli(tokens, {"--json", "diagnose"});
  ASSERT_EQ(d.code, 0) << d.err;
  const json dj = json::parse(d.out);
  EXPECT_EQ(dj["Token"]["ReaderHex"], to_hex(bytes_of("Reader \x1B]0;pwned\x07\xFE"), true));
  EXPECT_EQ(dj["Complete"], true);
  auto dh = run_cli(tokens, {"diagnose"});
  EXPECT_FALSE(has_control_bytes(dh.out)) << dh.out;
  EXPECT_TRUE(is_valid_utf8(dh.out));
}

TEST(CliRobustness, ATokenRemovedMidDiagnoseIsAnIncompleteDiagnosis) {
  TestToken tokens;
  tokens.fail_after = 3;  // CPLC, ACA SELECT and GET PROPERTIES answered; OATH SELECT fails
  auto r = run_cli(tokens, {"--json", "diagnose"});
  EXPECT_EQ(r.code, 4) << r.out;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["Complete"], false);
  EXPECT_FALSE(j["Token"]["CUID"].is_null());
  EXPECT_EQ(j["AccessControl"]["CurrentPinTryCounter"], 6);
  EXPECT_EQ(j["ProbeErrors"]["oath"]["kind"], "token-removed");
  EXPECT_EQ(j["ProbeErrors"]["fido"]["kind"], "token-removed");
  EXPECT_TRUE(j["Oath"].is_null());
  for (const auto& f : j["Findings"])
    EXPECT_NE(f["id"], "fido-unreachable") << "a failed probe is not a finding";
  auto human = run_cli(tokens, {"diagnose"});
  EXPECT_EQ(human.code, 4);
  EXPECT_NE(human.out.find("INCOMPLETE: the oath probe"), std::string::npos) << human.out;
}

TEST(CliRobustness, AFrozenLinkEndsDiagnoseWithExit7) {
  TestToken tokens;
  tokens.fail_after = 0;
  tokens.failure = ErrorKind::kTimeout;
  auto r = run_cli(tokens, {"--json", "diagnose"});
  EXPECT_EQ(r.code, 7) << r.out;
  EXPECT_EQ(json::parse(r.out)["ProbeErrors"]["cuid"]["kind"], "timeout");
  auto pin = run_cli(tokens, {"--json", "pin-verify", "-p", "123456"});
  EXPECT_EQ(pin.code, 7) << pin.out;
  EXPECT_EQ(json::parse(pin.out)["error"]["kind"], "timeout");
}

TEST(CliRobustness, MalformedPinsAreRefusedBeforeAnythingIsSent) {
  TestToken tokens;
  for (const std::vector<std::string>& args : {std::vector<std::string>{"pin-verify", "-p", "12"},
                                               {"pin-verify", "-p", "123456789"},
                                               {"pin-verify", "-p",
                                                "1234\x01"
                                                "5"},
                                               {"pin-verify", "-p", ""},
                                               {"pin-change", "-p", "123456", "-n",
                                                "1\xFF"
                                                "3456"},
                                               {"pin-reset-tries", "--puk", "12345", "-n", "123456"},
                                               {"puk-put", "-p", "123456", "--puk", "123456789"},
                                               {"puk-put", "--current-puk", "1", "--puk", "12345678"}}) {
    auto r = run_cli(tokens, args);
    EXPECT_EQ(r.code, 2) << args[0] << ": " << r.err;
    EXPECT_EQ(tokens.sent, 0u) << args[0] << " sent a command";
  }
  // Well-formed for some token, but below this token's MinPinLength (6): read-only reads only.
  auto r = run_cli(tokens, {"pin-verify", "-p", "1234"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(tokens.card().context().pin.remaining(), 6);
}

TEST(CliRobustness, TimeoutOptionIsValidated) {
  TestToken tokens;
  EXPECT_EQ(run_cli(tokens, {"--timeout", "0", "token-info"}).code, 2);
  EXPECT_EQ(run_cli(tokens, {"--timeout", "abc", "token-info"}).code, 2);
  EXPECT_EQ(run_cli(tokens, {"--timeout", "1.5", "token-info"}).code, 0);
}

}  // namespace
