// `keydesk diagnose` and PIN_AUTH_BLOCKED: the fido-pin-auth-blocked finding comes from the key's own
// getPINRetries powerCycleState (read over the read-only hook, spending nothing), and goes away after a
// power cycle. A simulated case-study token behind a LoopbackTransport.
#include <gtest/gtest.h>

#include <sstream>

#include "card/card.h"
#include "card/profile.h"
#include "cli/app.h"
#include "host/fido/fido_session.h"
#include "testing/loopback_transport.h"
#include "token/standard_token.h"

using namespace keydesk;
using nlohmann::json;

namespace {

class OneLoopbackToken final : public access::TokenSource {
 public:
  OneLoopbackToken() {
    auto doc = card::load_profile("case-study", {KEYDESK_PROFILE_SOURCE_DIR});
    EXPECT_TRUE(doc.ok());
    token::install_standard_applets(card, *doc);
    EXPECT_TRUE(card.load(*doc).ok());
  }
  Result<std::vector<access::TokenInfo>> list() override {
    return std::vector<access::TokenInfo>{{0, "Loopback Reader 00 00", card.atr(), {}, {}}};
  }
  Result<std::unique_ptr<transport::ApduTransport>> open_card(const access::TokenInfo&) override {
    return std::unique_ptr<transport::ApduTransport>(
        std::make_unique<keydesk::testing::LoopbackTransport>(card));
  }
  card::Card card;
};

json diagnose(OneLoopbackToken& token) {
  std::istringstream in;
  std::ostringstream out, err;
  const std::vector<std::string> args{"diagnose", "--symptom", "passkey", "--json"};
  EXPECT_EQ(cli::run_keydesk(args, token, {in, false, out, err}), 0) << err.str();
  return json::parse(out.str());
}

bool has_finding(const json& diagnosis, const std::string& id) {
  for (const auto& f : diagnosis["Findings"])
    if (f["id"] == id) return true;
  return false;
}

}  // namespace

TEST(CliFidoPowerCycle, PinAuthBlockedComesFromPowerCycleState) {
  OneLoopbackToken token;
  {
    keydesk::testing::LoopbackTransport link(token.card);
    auto session = host::fido::FidoSession::open_pcsc(link);
    ASSERT_TRUE(session.ok());
    ASSERT_TRUE((*session)->set_pin("24681357").ok());
    for (int i = 0; i < 3; ++i) (void)(*session)->change_pin("00000000", "11112222");
  }
  const auto before = token.card.save().dump();
  auto blocked = diagnose(token);
  EXPECT_EQ(blocked["Fido"]["PowerCycleRequired"], true) << blocked.dump();
  EXPECT_EQ(blocked["Fido"]["PinRetries"], 5) << blocked.dump();
  EXPECT_TRUE(has_finding(blocked, "fido-pin-auth-blocked")) << blocked["Findings"].dump();
  EXPECT_EQ(token.card.save().dump(), before) << "diagnose spent or changed nothing";

  token.card.power_cycle();
  auto after = diagnose(token);
  EXPECT_EQ(after["Fido"]["PowerCycleRequired"], false) << after.dump();
  EXPECT_FALSE(has_finding(after, "fido-pin-auth-blocked")) << after["Findings"].dump();
}
