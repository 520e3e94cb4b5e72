// The card-PIN commands on a PIV-only token (the yubikey5 profile: no access-control applet), in process:
// counters from GET METADATA, every attempt through host::piv::PivSession, the same interlocks as on the ACA,
// puk-put as CHANGE REFERENCE DATA of the PUK, and token-reset's deliberate PIN/PUK blocking before PIV
// RESET.
#include <gtest/gtest.h>

#include <sstream>

#include "card/card.h"
#include "card/profile.h"
#include "cli/app.h"
#include "testing/loopback_transport.h"
#include "token/standard_token.h"

using namespace keydesk;
using nlohmann::json;

namespace {

class YubiKey5 final : public access::TokenSource {
 public:
  YubiKey5() {
    auto doc = card::load_profile("yubikey5", {KEYDESK_PROFILE_SOURCE_DIR});
    EXPECT_TRUE(doc.ok());
    token::install_standard_applets(card_, *doc);
    EXPECT_TRUE(card_.load(*doc).ok());
  }
  Result<std::vector<access::TokenInfo>> list() override {
    return std::vector<access::TokenInfo>{{0, "Loopback Reader 00 00", card_.atr(), {}, {}}};
  }
  Result<std::unique_ptr<transport::ApduTransport>> open_card(const access::TokenInfo&) override {
    return std::unique_ptr<transport::ApduTransport>(
        std::make_unique<keydesk::testing::LoopbackTransport>(card_));
  }
  card::Card& card() { return card_; }
  int pin() { return card_.context().pin.remaining(); }
  int puk() { return card_.context().puk.remaining(); }

 private:
  card::Card card_;
};

struct Run {
  int code;
  std::string out, err;
  json parsed() const { return json::parse(out); }
};

Run run_cli(YubiKey5& t, std::vector<std::string> args) {
  std::istringstream in;
  std::ostringstream out, err;
  const int code = cli::run_keydesk(args, t, {in, false, out, err});
  return {code, out.str(), err.str()};
}

std::string finding_ids(const json& diagnosis) {
  std::string ids;
  for (const auto& f : diagnosis["Findings"]) ids += f["id"].get<std::string>() + " ";
  return ids;
}

}  // namespace

TEST(CliPiv, AcaPropertiesComeFromPivMetadata) {
  YubiKey5 t;
  auto r = run_cli(t, {"aca-props-get", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = r.parsed();
  EXPECT_EQ(j["CurrentPinTryCounter"], 3);
  EXPECT_EQ(j["MaxPinTryCounter"], 3);
  EXPECT_EQ(j["CurrentPinUnlockCounter"], 3);
  EXPECT_EQ(j["MaxPinUnlockCounter"], 3);
  EXPECT_EQ(j["PUKInitialized"], true);
  EXPECT_EQ(j["PinIsDefault"], true);
}

TEST(CliPiv, WrongThenRightPinWithTheInterlockInBetween) {
  YubiKey5 t;
  auto wrong = run_cli(t, {"pin-verify", "-p", "999999"});
  EXPECT_EQ(wrong.code, 5) << wrong.err;
  EXPECT_NE(wrong.out.find("63C2"), std::string::npos) << wrong.out;
  EXPECT_NE(wrong.out.find("3 before, 2 after"), std::string::npos) << wrong.out;
  EXPECT_EQ(t.pin(), 2);
  auto refused = run_cli(t, {"pin-verify", "-p", "123456"});
  EXPECT_EQ(refused.code, 3) << "2 left must be refused without --force";
  EXPECT_EQ(t.pin(), 2) << "the refused attempt reached the card";
  auto right = run_cli(t, {"pin-verify", "-p", "123456", "--force", "--json"});
  EXPECT_EQ(right.code, 0) << right.err;
  EXPECT_EQ(right.parsed()["Source"], "PIV metadata");
  EXPECT_EQ(right.parsed()["StatusWord"], "9000");
  EXPECT_EQ(right.parsed()["RetriesBefore"], 2);
  EXPECT_EQ(right.parsed()["RetriesAfter"], 3);
  EXPECT_EQ(run_cli(t, {"pin-verify", "-p", "12345"}).code, 2) << "a 5-byte PIN must not reach the card";
  EXPECT_EQ(t.pin(), 3);
}

TEST(CliPiv, PinChangeClearsTheDefaultFinding) {
  YubiKey5 t;
  EXPECT_NE(finding_ids(run_cli(t, {"diagnose", "--json"}).parsed()).find("pin-default"), std::string::npos);
  auto changed = run_cli(t, {"pin-change", "-p", "123456", "-n", "24681357"});
  ASSERT_EQ(changed.code, 0) << changed.err << changed.out;
  EXPECT_EQ(run_cli(t, {"pin-verify", "-p", "24681357"}).code, 0);
  EXPECT_EQ(run_cli(t, {"diagnose", "--json"}).parsed().dump().find("\"pin-default\""), std::string::npos);
  EXPECT_EQ(run_cli(t, {"aca-props-get", "--json"}).parsed()["PinIsDefault"], false);
}

TEST(CliPiv, PukUnblockNeedsForceAtThreeAndRestoresThePin) {
  YubiKey5 t;
  for (int i = 0; i < 3; ++i) run_cli(t, {"pin-verify", "-p", "999999", "--force"});
  EXPECT_EQ(t.pin(), 0);
  // The PUK has 3 tries and nothing behind it but a reset: the interlock's floor is 3.
  auto refused = run_cli(t, {"pin-reset-tries", "--puk", "12345678", "-n", "111111"});
  EXPECT_EQ(refused.code, 3) << refused.err;
  EXPECT_EQ(t.puk(), 3);
  auto wrong = run_cli(t, {"pin-reset-tries", "--puk", "87654321", "-n", "111111", "--force"});
  EXPECT_EQ(wrong.code, 5) << wrong.err;
  EXPECT_EQ(t.puk(), 2);
  auto right = run_cli(t, {"pin-reset-tries", "--puk", "12345678", "-n", "111111", "--force", "--json"});
  EXPECT_EQ(right.code, 0) << right.err;
  EXPECT_EQ(right.parsed()["Reference"], "PUK");
  EXPECT_EQ(t.pin(), 3);
  EXPECT_EQ(run_cli(t, {"pin-verify", "-p", "111111"}).code, 0);
}

TEST(CliPiv, PukPutIsChangeReferenceDataAndNeedsTheCurrentPuk) {
  YubiKey5 t;
  auto missing = run_cli(t, {"puk-put", "-p", "123456", "--puk", "87654321"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("CURRENT PUK"), std::string::npos) << missing.err;
  EXPECT_EQ(t.puk(), 3);
  auto put = run_cli(t, {"puk-put", "--current-puk", "12345678", "--puk", "87654321", "--force"});
  ASSERT_EQ(put.code, 0) << put.err;
  EXPECT_EQ(t.puk(), 3) << "the right current PUK spends nothing";
  EXPECT_EQ(run_cli(t, {"pin-reset-tries", "--puk", "87654321", "-n", "222222", "--force"}).code, 0);
  EXPECT_EQ(run_cli(t, {"pin-verify", "-p", "222222"}).code, 0);
}

TEST(CliPiv, TokenResetSaysItSpendsEveryTryThenBlocksAndResets) {
  YubiKey5 t;
  ASSERT_EQ(run_cli(t, {"pin-change", "-p", "123456", "-n", "24681357"}).code, 0);
  auto shown = run_cli(t, {"token-reset"});
  EXPECT_EQ(shown.code, 3);
  EXPECT_NE(shown.out.find("WIPES"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("SPENDS EVERY REMAINING PIN TRY AND EVERY REMAINING PUK TRY ON PURPOSE"),
            std::string::npos)
      << shown.out;
  EXPECT_EQ(t.pin(), 3);
  EXPECT_EQ(t.puk(), 3);
  const std::string cuid = run_cli(t, {"token-cuid", "--json"}).parsed()["CUID"];
  auto done = run_cli(t, {"token-reset", "--confirm-cuid", cuid, "--json"});
  ASSERT_EQ(done.code, 0) << done.err;
  const std::string steps = done.parsed()["Steps"].dump();
  EXPECT_NE(steps.find("PIN blocked on purpose (3 tries"), std::string::npos) << steps;
  EXPECT_NE(steps.find("PUK blocked on purpose (3 tries"), std::string::npos) << steps;
  EXPECT_NE(steps.find("RESET"), std::string::npos) << steps;
  EXPECT_EQ(t.pin(), 3);
  EXPECT_EQ(run_cli(t, {"aca-props-get", "--json"}).parsed()["PinIsDefault"], true);
  EXPECT_EQ(run_cli(t, {"pin-verify", "-p", "123456"}).code, 0);
}
