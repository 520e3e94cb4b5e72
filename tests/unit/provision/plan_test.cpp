// The plan a policy makes of a factory token (ACA + PIV + OATH + FIDO) and of a PIV-only YubiKey, the order
// that matters (SET PIN RETRIES before PIN and PUK; the XAUTH key before what needs XAUTH), and the refusals.
#include "provision/plan.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace keydesk::provision {
namespace {

Policy minimal() {
  std::ifstream in(std::string(KEYDESK_SOURCE_DIR) + "/docs/examples/policy-minimal.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return *parse_policy(ss.str());
}

TokenFacts factory_token() {
  TokenFacts f;
  f.cuid = *iso7816::Cuid::parse("4090A1B2C3D4E5F60718");
  f.version = {5, 4, 3};
  f.aca = AcaFacts{};
  f.aca->pin_max_tries = f.aca->pin_tries = 3;
  f.piv = PivFacts{true, true, std::nullopt, true, false, 0x03, 3, -1};
  f.oath = OathFacts{};
  f.fido = FidoFacts{};
  return f;
}

TokenFacts yubikey() {
  TokenFacts f;
  f.cuid = *iso7816::Cuid::parse("00000000000000BC614E");
  f.cuid_source = store::CuidSource::kDeviceSerial;
  f.version = {5, 4, 3};
  f.piv = PivFacts{true, true, true, true, true, 0x03, 3, 3};
  f.oath = OathFacts{};
  f.fido = FidoFacts{};
  return f;
}

std::vector<std::string> names(const Plan& p) {
  std::vector<std::string> out;
  for (StepId s : p.steps) out.emplace_back(step_spec(s).name);
  return out;
}

TEST(Plan, FactoryTokenInstallsXauthFirstThenWhatNeedsIt) {
  Policy policy = minimal();
  policy.admin_key = AdminKeyPolicy{crypto::BlockCipher::kAes128, {SecretSource::Kind::kVault, "x"}};
  policy.pin.method = PinMethod::kDefaultForceChange;
  policy.oath.generate.push_back(OathGenerated{"corp:{user}"});
  auto plan = build_plan(policy, factory_token());
  ASSERT_TRUE(plan.ok()) << describe(plan.error());
  EXPECT_EQ(names(*plan),
            (std::vector<std::string>{"record", "aca-xauth-key", "aca-properties", "aca-puk", "aca-pin",
                                      "piv-management-key", "oath-credentials", "confirm"}));
  EXPECT_TRUE(plan->decisions.xauth);
  EXPECT_TRUE(plan->decisions.force_pin_change);
  EXPECT_FALSE(plan->decisions.random_pin);
  EXPECT_EQ(plan->decisions.pin_method, store::PinMethod::kDefaultForceChange);
  EXPECT_EQ(plan->decisions.admin_key_method, store::AdminKeyMethod::kDerived);
}

TEST(Plan, YubikeySetsRetriesBeforePinAndPukAndSaysItHasNoForceChange) {
  Policy policy = minimal();
  policy.pin.method = PinMethod::kDefaultForceChange;
  policy.pin.max_tries = 5;
  auto plan = build_plan(policy, yubikey());
  ASSERT_TRUE(plan.ok()) << describe(plan.error());
  EXPECT_EQ(names(*plan),
            (std::vector<std::string>{"record", "piv-retries", "piv-management-key", "piv-puk", "confirm"}));
  EXPECT_EQ(plan->decisions.pin_method, store::PinMethod::kDefaultNoForceChange);
  EXPECT_NE(plan->decisions.pin_note.find("no force-change"), std::string::npos);
  EXPECT_EQ(plan->decisions.admin_key_method, store::AdminKeyMethod::kRandomPerToken);

  policy.pin.without_force_change = NoForceChangeFallback::kRandomDelivered;
  policy.pin.max_tries = 3;  // the token's own: no SET PIN RETRIES
  plan = build_plan(policy, yubikey());
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(names(*plan),
            (std::vector<std::string>{"record", "piv-management-key", "piv-puk", "piv-pin", "confirm"}));
  EXPECT_EQ(plan->decisions.pin_method, store::PinMethod::kRandomDelivered);
}

TEST(Plan, FidoPinAndExportWhenThePolicySaysSo) {
  Policy policy = minimal();
  policy.fido = FidoPolicy{FidoScope::kPinRule, "pin-8", 8, true, 8};
  policy.oath.generate.push_back(OathGenerated{"a"});
  policy.oath.export_to = OathExport{};
  policy.oath.export_to->directory = "/tmp";
  policy.oath.export_to->key_name = "k";
  auto plan = build_plan(policy, yubikey());
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(names(*plan),
            (std::vector<std::string>{"record", "piv-management-key", "piv-puk", "piv-pin",
                                      "oath-credentials", "fido-pin", "oath-export", "confirm"}));
  EXPECT_EQ(plan->decisions.fido_policy, "pin-8");
}

TEST(Plan, Refusals) {
  Policy policy = minimal();
  // An ACA token needs the admin_key section.
  EXPECT_EQ(build_plan(policy, factory_token()).error().kind, ErrorKind::kUsage);
  // AES management key on firmware before 5.4.
  TokenFacts old = yubikey();
  old.version = {5, 2, 7};
  policy.piv_management_key.algorithm = crypto::BlockCipher::kAes192;
  EXPECT_EQ(build_plan(policy, old).error().kind, ErrorKind::kNotSupported);
  policy.piv_management_key.algorithm = crypto::BlockCipher::kTdes;
  EXPECT_TRUE(build_plan(policy, old).ok());
  // OATH credentials for a token without OATH.
  TokenFacts no_oath = yubikey();
  no_oath.oath.reset();
  policy.oath.generate.push_back(OathGenerated{"a"});
  EXPECT_EQ(build_plan(policy, no_oath).error().kind, ErrorKind::kNotSupported);
  // A FIDO PIN for a token whose FIDO interface is not reachable.
  TokenFacts no_fido = yubikey();
  no_fido.fido->reachable = false;
  policy.fido = FidoPolicy{FidoScope::kPinRule, "r", 4, true, 8};
  EXPECT_EQ(build_plan(policy, no_fido).error().kind, ErrorKind::kNotSupported);
}

TEST(FactoryState, RefusesWhatTheStoreCouldNotGiveBack) {
  Policy policy = minimal();
  EXPECT_TRUE(check_factory_state(policy, factory_token()).ok());
  EXPECT_TRUE(check_factory_state(policy, yubikey()).ok());
  auto t = factory_token();
  t.aca->xauth_initialized = true;
  EXPECT_EQ(check_factory_state(policy, t).error().kind, ErrorKind::kRefused);
  t = factory_token();
  t.aca->puk_initialized = true;
  EXPECT_EQ(check_factory_state(policy, t).error().kind, ErrorKind::kRefused);
  auto y = yubikey();
  y.piv->management_key_default = false;
  EXPECT_EQ(check_factory_state(policy, y).error().kind, ErrorKind::kRefused);
  y = yubikey();
  y.piv->puk_default = false;
  EXPECT_EQ(check_factory_state(policy, y).error().kind, ErrorKind::kRefused);
  y = yubikey();
  y.piv->metadata = false;
  EXPECT_EQ(check_factory_state(policy, y).error().kind, ErrorKind::kNotSupported);
  y = yubikey();
  y.fido->pin_set = true;
  EXPECT_TRUE(check_factory_state(policy, y).ok());  // the policy sets no FIDO PIN
  policy.fido = FidoPolicy{FidoScope::kPinRule, "r", 4, true, 8};
  EXPECT_EQ(check_factory_state(policy, y).error().kind, ErrorKind::kRefused);
}

TEST(Steps, EveryStepIsDescribedAndNamedOnce) {
  std::set<std::string_view> seen;
  for (const auto& s : all_steps()) {
    EXPECT_TRUE(seen.insert(s.name).second) << s.name;
    EXPECT_FALSE(s.sets.empty());
    EXPECT_FALSE(s.rolls_back.empty());
    EXPECT_EQ(parse_step_name(s.name), s.id);
    // A step that can neither be observed nor repeated could not be resumed.
    EXPECT_TRUE(s.observable || s.idempotent) << s.name;
    if (s.effect == StepEffect::kWritesSecrets) {
      EXPECT_NE(s.reversal, Reversal::kNothing) << s.name;
    }
  }
}

}  // namespace
}  // namespace keydesk::provision
