// The policy parser: the documented examples parse to what they say; every kind of bad file is refused
// naming the member, and never yields a partial policy.
#include "provision/policy.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace keydesk::provision {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
std::string example(const char* name) {
  return read_file(std::string(KEYDESK_SOURCE_DIR) + "/docs/examples/" + name);
}

TEST(Policy, TheDocumentedFactoryExampleParses) {
  auto p = parse_policy(example("policy-factory.json"));
  ASSERT_TRUE(p.ok()) << describe(p.error());
  EXPECT_EQ(p->name, "corp-2026");
  EXPECT_EQ(p->puk.strategy, PukStrategy::kDerived);
  ASSERT_TRUE(p->puk.derivation_master);
  EXPECT_EQ(p->puk.derivation_master->kind, SecretSource::Kind::kVault);
  EXPECT_EQ(p->puk.derivation_master->name, "puk-master");
  EXPECT_EQ(p->pin.method, PinMethod::kDefaultForceChange);
  EXPECT_EQ(p->pin.without_force_change, NoForceChangeFallback::kRandomDelivered);
  ASSERT_TRUE(p->admin_key);
  EXPECT_EQ(p->admin_key->algorithm, crypto::BlockCipher::kAes128);
  EXPECT_EQ(p->admin_key->max_tries, 5);
  EXPECT_EQ(p->piv_management_key.algorithm, crypto::BlockCipher::kAes192);
  ASSERT_EQ(p->oath.generate.size(), 1u);
  EXPECT_EQ(p->oath.generate[0].name, "corp:{user}");
  ASSERT_TRUE(p->oath.import);
  EXPECT_EQ(p->oath.import->preshared_key->kind, SecretSource::Kind::kFile);
  ASSERT_TRUE(p->oath.export_to);
  EXPECT_EQ(p->oath.export_to->passphrase->kind, SecretSource::Kind::kEnv);
  EXPECT_EQ(p->fido.scope, FidoScope::kPinRule);
  EXPECT_EQ(p->fido.rule, "pin-8");
  EXPECT_TRUE(p->fido.set_pin);
  EXPECT_EQ(p->digest.size(), 64u);
}

TEST(Policy, TheMinimalExampleTakesTheDocumentedDefaults) {
  auto p = parse_policy(example("policy-minimal.json"));
  ASSERT_TRUE(p.ok()) << describe(p.error());
  EXPECT_EQ(p->puk.length, 8);
  EXPECT_EQ(p->puk.max_tries, 3);
  EXPECT_EQ(p->pin.length, 6);
  EXPECT_EQ(p->pin.min_length, 6);
  EXPECT_EQ(p->pin.max_length, 8);
  EXPECT_FALSE(p->admin_key);
  EXPECT_TRUE(p->oath.generate.empty());
  EXPECT_FALSE(p->oath.import);
  EXPECT_EQ(p->fido.scope, FidoScope::kOutOfScope);
  EXPECT_EQ(p->fido.rule, "out-of-scope");
}

// Each case: a change to the minimal example, the pointer the error must name.
struct Bad {
  const char* what;
  std::function<void(nlohmann::json&)> change;
  const char* pointer;
};

TEST(Policy, RefusesEveryKindOfBadMemberNamingIt) {
  using nlohmann::json;
  const json base = json::parse(example("policy-minimal.json"));
  const std::vector<Bad> cases = {
      {"unknown top-level key", [](json& j) { j["pinn"] = 1; }, "/pinn"},
      {"unknown nested key", [](json& j) { j["puk"]["lenght"] = 8; }, "/puk/lenght"},
      {"wrong format", [](json& j) { j["format"] = "keydesk-provisioning-policy/2"; }, "/format"},
      {"missing puk", [](json& j) { j.erase("puk"); }, "/puk"},
      {"missing fido", [](json& j) { j.erase("fido"); }, "/fido"},
      {"missing management key", [](json& j) { j.erase("piv_management_key"); }, "/piv_management_key"},
      {"bad name", [](json& j) { j["name"] = "corp 2026"; }, "/name"},
      {"PUK too long", [](json& j) { j["puk"]["length"] = 9; }, "/puk/length"},
      {"PUK length as text", [](json& j) { j["puk"]["length"] = "8"; }, "/puk/length"},
      {"PUK length fractional", [](json& j) { j["puk"]["length"] = 8.0; }, "/puk/length"},
      {"PUK length negative", [](json& j) { j["puk"]["length"] = -8; }, "/puk/length"},
      {"PUK length huge", [](json& j) { j["puk"]["length"] = 18446744073709551615ull; }, "/puk/length"},
      {"unknown strategy", [](json& j) { j["puk"]["strategy"] = "guess"; }, "/puk/strategy"},
      {"derived without master", [](json& j) { j["puk"]["strategy"] = "derived"; }, "/puk/derivation_master"},
      {"master on a random strategy",
       [](json& j) {
         j["puk"]["derivation_master"] = {{"vault", "m"}};
       },
       "/puk/derivation_master"},
      {"batch without name", [](json& j) { j["puk"]["strategy"] = "batch-shared"; }, "/puk/batch"},
      {"tries 0", [](json& j) { j["pin"]["max_tries"] = 0; }, "/pin/max_tries"},
      {"tries 16", [](json& j) { j["puk"]["max_tries"] = 16; }, "/puk/max_tries"},
      {"min above max", [](json& j) { j["pin"]["min_length"] = 8, j["pin"]["max_length"] = 6; },
       "/pin/min_length"},
      {"PIN length outside the rule", [](json& j) { j["pin"]["length"] = 8, j["pin"]["max_length"] = 7; },
       "/pin/length"},
      {"fallback on a random method", [](json& j) { j["pin"]["without_force_change"] = "keep-default"; },
       "/pin/without_force_change"},
      {"inline secret",
       [](json& j) {
         j["pin"]["transport_pin"] = {{"value", "123456"}};
       },
       "/pin/transport_pin"},
      {"two sources",
       [](json& j) {
         j["pin"]["transport_pin"] = {{"vault", "a"}, {"env", "B"}};
       },
       "/pin/transport_pin"},
      {"bad env name",
       [](json& j) {
         j["pin"]["transport_pin"] = {{"env", "1X"}};
       },
       "/pin/transport_pin/env"},
      {"bad vault name",
       [](json& j) {
         j["pin"]["transport_pin"] = {{"vault", "../x"}};
       },
       "/pin/transport_pin/vault"},
      {"bad cipher", [](json& j) { j["piv_management_key"]["algorithm"] = "des"; },
       "/piv_management_key/algorithm"},
      {"admin key without master",
       [](json& j) {
         j["admin_key"] = {{"algorithm", "aes128"}};
       },
       "/admin_key/master"},
      {"empty oath", [](json& j) { j["oath"] = json::object(); }, "/oath"},
      {"bad template",
       [](json& j) {
         j["oath"]["generate"] = {{{"name", "x:{usr}"}, {"type", "totp"}}};
       },
       "/oath/generate/0/name"},
      {"import placeholder in generate",
       [](json& j) {
         j["oath"]["generate"] = {{{"name", "{issuer}"}, {"type", "totp"}}};
       },
       "/oath/generate/0/name"},
      {"duplicate credential",
       [](json& j) {
         j["oath"]["generate"] = {{{"name", "a"}, {"type", "totp"}}, {{"name", "a"}, {"type", "hotp"}}};
       },
       "/oath/generate/1/name"},
      {"period on HOTP",
       [](json& j) {
         j["oath"]["generate"] = {{{"name", "a"}, {"type", "hotp"}, {"period", 30}}};
       },
       "/oath/generate/0/period"},
      {"9 digits",
       [](json& j) {
         j["oath"]["generate"] = {{{"name", "a"}, {"type", "totp"}, {"digits", 9}}};
       },
       "/oath/generate/0/digits"},
      {"short seed",
       [](json& j) {
         j["oath"]["generate"] = {{{"name", "a"}, {"type", "totp"}, {"secret_bytes", 10}}};
       },
       "/oath/generate/0/secret_bytes"},
      {"unencrypted export",
       [](json& j) {
         j["oath"]["generate"] = {{{"name", "a"}, {"type", "totp"}}};
         j["oath"]["export"] = {{"directory", "/tmp"}, {"key_name", "k"}};
       },
       "/oath/export"},
      {"fido rule without a name",
       [](json& j) {
         j["fido"] = {{"scope", "pin-rule"}};
       },
       "/fido/rule"},
      {"fido PIN shorter than its rule",
       [](json& j) {
         j["fido"] = {{"scope", "pin-rule"},
                      {"rule", "r"},
                      {"min_pin_length", 10},
                      {"set_pin", true},
                      {"pin_length", 8}};
       },
       "/fido/pin_length"},
      {"member on out-of-scope", [](json& j) { j["fido"]["rule"] = "x"; }, "/fido/rule"},
      {"control character", [](json& j) { j["description"] = "a\x1b[31m"; }, "/description"},
  };
  for (const auto& c : cases) {
    json j = base;
    c.change(j);
    auto p = parse_policy(j.dump());
    ASSERT_FALSE(p.ok()) << c.what;
    EXPECT_EQ(p.error().kind, ErrorKind::kUsage) << c.what;
    EXPECT_NE(p.error().context.find(std::string("policy ") + c.pointer + ":"), std::string::npos)
        << c.what << ": " << p.error().context;
  }
}

TEST(Policy, RefusesMalformedDocuments) {
  const std::string ok = example("policy-minimal.json");
  for (const std::string& text :
       {std::string(""), std::string("{"), std::string("[]"), std::string("null"),
        ok.substr(0, ok.size() / 2), ok + "x",
        std::string("{\"a\":") + std::string(100, '[') + std::string(100, ']') + "}"}) {
    auto p = parse_policy(text);
    ASSERT_FALSE(p.ok()) << text.substr(0, 40);
  }
  // Duplicate keys: nlohmann alone would keep the last one silently.
  std::string dup = ok;
  dup.insert(dup.find("\"name\""), "\"name\": \"other\", ");
  auto p = parse_policy(dup);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().kind, ErrorKind::kUsage);
  EXPECT_NE(p.error().context.find("appears twice"), std::string::npos);
  // Too large.
  auto big = parse_policy(std::string(kMaxPolicyBytes + 1, ' '));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().kind, ErrorKind::kUsage);
}

TEST(Policy, AnUnknownMembersNameIsEscapedInTheMessage) {
  auto p = parse_policy(R"({"format":"keydesk-provisioning-policy/1","name":"n","\u001b[31m":1})");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().context.find('\x1b'), std::string::npos) << p.error().context;
}

TEST(Policy, DigestBindsTheExactBytes) {
  const std::string text = example("policy-minimal.json");
  auto a = parse_policy(text);
  auto b = parse_policy(text + "\n");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->digest, b->digest);
}

TEST(NameTemplate, ExpandsAndRefuses) {
  NameFields f{"alice", "12345678", "4090A1B2C3D4E5F60718", "Corp", "kp1"};
  EXPECT_EQ(*expand_name("corp:{user}", f), "corp:alice");
  EXPECT_EQ(*expand_name("{issuer}:{id}/{serial}", f), "Corp:kp1/12345678");
  EXPECT_FALSE(expand_name("{nope}", f).ok());
  EXPECT_FALSE(expand_name("a}b", f).ok());
  EXPECT_FALSE(expand_name("{user", f).ok());
  EXPECT_FALSE(expand_name("{issuer}", NameFields{}).ok());            // empty once expanded
  EXPECT_FALSE(expand_name(std::string(60, 'x') + "{cuid}", f).ok());  // longer than 64
}

}  // namespace
}  // namespace keydesk::provision
