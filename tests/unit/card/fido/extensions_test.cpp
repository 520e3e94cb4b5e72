// Per-profile device data, EdDSA, credProtect and hmac-secret, checked as a platform would: what getInfo
// states, which credentials a request may use, signatures that verify with the credential's public key,
// and hmac-secret outputs decrypted with the platform's half of the key agreement.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "card/fido/ctaphid.h"
#include "crypto/digest.h"
#include "crypto/ed25519_key.h"
#include "fixtures/authenticator_fixture.h"
#include "fixtures/fido_platform.h"

namespace keydesk::card::fido::testing {
namespace {

const Bytes kClientDataHash(32, 0xCD);

nlohmann::json profile_with(const std::string& profile, const nlohmann::json& changes) {
  nlohmann::json j = profile_section(profile);
  j.merge_patch(changes);
  return j;
}

std::string load_error(const nlohmann::json& section) {
  card::CardContext context;
  Authenticator a(context);
  const Status s = a.load(section);
  return s.ok() ? "" : describe(s.error());
}

cbor::Value make_request(const std::string& rp, uint8_t user, bool rk, cbor::Array algorithms,
                         std::optional<cbor::Map> extensions = {}) {
  cbor::Map m{{1, kClientDataHash},
              {2, cbor::Map{{"id", rp}}},
              {3, cbor::Map{{"id", Bytes{user}}, {"name", "u" + std::to_string(user)}}},
              {4, std::move(algorithms)},
              {7, cbor::Map{{"rk", rk}}}};
  if (extensions) m.emplace_back(6, std::move(*extensions));
  return m;
}

cbor::Array algs(std::initializer_list<int64_t> list) {
  cbor::Array a;
  for (int64_t alg : list) a.emplace_back(cbor::Map{{"alg", alg}, {"type", "public-key"}});
  return a;
}

struct Made {
  Bytes id;
  cbor::Value public_key;
  std::optional<cbor::Value> extensions;
  uint8_t flags;
};

// Attested credential data and extension outputs of makeCredential's authData (WebAuthn 6.1).
Made parse_made(const cbor::Value& response) {
  const Bytes& auth_data = response.find(2)->as_bytes();
  const size_t id_length = (size_t{auth_data[53]} << 8) | auth_data[54];
  Made m{Bytes(auth_data.begin() + 55, auth_data.begin() + 55 + static_cast<std::ptrdiff_t>(id_length)),
         {},
         {},
         auth_data[32]};
  // The COSE key and the extensions map are two CBOR items back to back: find where the first ends.
  const ByteView rest = ByteView(auth_data).subspan(55 + id_length);
  for (size_t n = 1; n <= rest.size(); ++n) {
    if (cbor::decode(rest.first(n), m.public_key) != cbor::DecodeStatus::kOk) continue;
    if (n < rest.size()) {
      cbor::Value ext;
      EXPECT_EQ(cbor::decode(rest.subspan(n), ext), cbor::DecodeStatus::kOk);
      m.extensions = ext;
    }
    break;
  }
  return m;
}

bool signature_verifies(const cbor::Value& cose_key, const cbor::Value& assertion) {
  Bytes signed_data = assertion.find(2)->as_bytes();
  append(signed_data, kClientDataHash);
  const Bytes& sig = assertion.find(3)->as_bytes();
  if (cose_key.find(3)->as_integer() == kCoseAlgEdDsa)
    return crypto::ed25519_verify(cose_key.find(-2)->as_bytes(), signed_data, sig);
  return crypto::ecdsa_verify_digest(crypto::Curve::kP256, *point_from_cose(cose_key), sha256(signed_data),
                                     sig);
}

cbor::Value allow(ByteView id) {
  return cbor::Array{credential_descriptor(id)};
}

class YubiKey5Test : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(authenticator.load(profile_section("yubikey5")).ok()); }
  card::CardContext context;
  Authenticator authenticator{context};
};

TEST(DeviceProfile, YubiKey5GetInfoIsTheOneOfA543Key) {
  card::CardContext context;
  Authenticator a(context);
  ASSERT_TRUE(a.load(profile_section("yubikey5")).ok());
  const auto info = call(a, protocol::ctap::Command::kGetInfo).body;
  EXPECT_EQ(info.find(1)->as_array(), (cbor::Array{"U2F_V2", "FIDO_2_0", "FIDO_2_1_PRE"}));
  EXPECT_EQ(info.find(2)->as_array(), (cbor::Array{"credProtect", "hmac-secret"}));
  const cbor::Value& options = *info.find(4);
  EXPECT_EQ(options.find("plat")->as_bool(), false);
  EXPECT_EQ(options.find("credentialMgmtPreview")->as_bool(), true);
  EXPECT_EQ(options.find("credMgmt"), nullptr);
  EXPECT_EQ(options.find("pinUvAuthToken"), nullptr);
  EXPECT_EQ(options.find("clientPin")->as_bool(), false);
  EXPECT_EQ(info.find(7)->as_unsigned(), 8u);
  EXPECT_EQ(info.find(8)->as_unsigned(), 128u);
  EXPECT_EQ(info.find(10)->as_array(), (algs({-7, -8})));
  EXPECT_EQ(info.find(14)->as_unsigned(), 0x050403u);
  EXPECT_EQ(a.profile().ctaphid_capabilities, ctaphid::kCapabilityWink | ctaphid::kCapabilityCbor);
  EXPECT_EQ(a.profile().reset_window, std::chrono::seconds(5));
}

TEST(DeviceProfile, FactoryAndCaseStudyKeepTheirGetInfo) {
  for (const char* name : {"factory", "case-study"}) {
    card::CardContext context;
    Authenticator a(context);
    ASSERT_TRUE(a.load(profile_section(name)).ok());
    const auto info = call(a, protocol::ctap::Command::kGetInfo).body;
    EXPECT_EQ(info.find(1)->as_array(), (cbor::Array{"FIDO_2_0", "FIDO_2_1"})) << name;
    EXPECT_EQ(info.find(2), nullptr) << name << ": no extensions";
    EXPECT_EQ(info.find(10)->as_array(), algs({-7})) << name;
    EXPECT_EQ(info.find(4)->find("credMgmt")->as_bool(), true);
    EXPECT_EQ(info.find(4)->find("pinUvAuthToken")->as_bool(), true);
    EXPECT_EQ(info.find(8)->as_unsigned(), 64u);
    EXPECT_EQ(a.profile().ctaphid_capabilities,
              ctaphid::kCapabilityWink | ctaphid::kCapabilityCbor | ctaphid::kCapabilityNoMsg);
    EXPECT_EQ(a.profile().reset_window, std::chrono::seconds(10));
  }
}

TEST(DeviceProfile, SurvivesSaveAndLoad) {
  card::CardContext context;
  Authenticator a(context), b(context);
  ASSERT_TRUE(a.load(profile_section("yubikey5")).ok());
  ASSERT_TRUE(b.load(a.save()).ok());
  EXPECT_EQ(call(a, protocol::ctap::Command::kGetInfo).body.find(1)->as_array(),
            call(b, protocol::ctap::Command::kGetInfo).body.find(1)->as_array());
  EXPECT_EQ(b.profile().reset_window, std::chrono::seconds(5));
  EXPECT_EQ(b.profile().ctaphid_capabilities, a.profile().ctaphid_capabilities);
}

TEST(DeviceProfile, ValuesTheSimCannotHonourAreRefusedByName) {
  const std::pair<nlohmann::json, std::string> cases[] = {
      {{{"versions", {"FIDO_2_0", "FIDO_2_3"}}}, "fido.versions: \"FIDO_2_3\""},
      {{{"versions", {"U2F_V2"}}}, "fido.versions: must list FIDO_2_0"},
      {{{"versions", {"FIDO_2_0", "FIDO_2_0"}}}, "listed twice"},
      {{{"extensions", {"largeBlobKey"}}}, "fido.extensions: \"largeBlobKey\""},
      {{{"algorithms", {-7, -257}}}, "fido.algorithms: -257"},
      {{{"algorithms", nlohmann::json::array()}}, "fido.algorithms"},
      {{{"ctaphid_capabilities", {"wink", "cbor", "nmsg"}}}, "\"nmsg\" contradicts U2F_V2"},
      {{{"ctaphid_capabilities", {"wink"}}}, "must include \"cbor\""},
      {{{"reset_window_seconds", 0}}, "fido.reset_window_seconds"},
      {{{"reset_window_seconds", 2.5}}, "fido.reset_window_seconds"},
      {{{"max_credential_id_length", 32}}, "fido.max_credential_id_length"},
      {{{"max_msg_size", 512}}, "fido.max_msg_size"},
      {{{"options", {{"clientPin", true}}}}, "fido.options: \"clientPin\""},
      {{{"options", {{"rk", true}, {"up", true}, {"plat", true}, {"credMgmt", true}}}}, "fido.options.plat"},
      {{{"options", {{"credentialMgmtPreview", nullptr}}}}, "credMgmt or credentialMgmtPreview"},
  };
  for (const auto& [change, expected] : cases) {
    const std::string error = load_error(profile_with("yubikey5", change));
    EXPECT_NE(error.find(expected), std::string::npos) << change.dump() << " -> " << error;
  }
  // Without U2F, NMSG is required (a CTAP2-only key says it has no CTAPHID_MSG).
  EXPECT_NE(load_error(profile_with("factory", {{"ctaphid_capabilities", {"wink", "cbor"}}}))
                .find("needs \"nmsg\""),
            std::string::npos);
}

TEST(DeviceProfile, ResetWindowIsTheProfiles) {
  card::CardContext yk_context, factory_context;
  Authenticator yk(yk_context), factory(factory_context);
  ASSERT_TRUE(yk.load(profile_section("yubikey5")).ok());
  ASSERT_TRUE(factory.load(profile_section("factory")).ok());
  yk_context.powered_on_at = factory_context.powered_on_at =
      std::chrono::steady_clock::now() - std::chrono::seconds(6);
  EXPECT_EQ(call(yk, protocol::ctap::Command::kReset).status, CtapStatus::kNotAllowed) << "5 s window";
  EXPECT_EQ(call(factory, protocol::ctap::Command::kReset).status, CtapStatus::kOk) << "10 s window";
}

TEST_F(YubiKey5Test, EdDsaWhenTheRpPrefersItAndSignaturesVerify) {
  for (auto [order, expected] :
       {std::pair{algs({-8, -7}), kCoseAlgEdDsa}, std::pair{algs({-7, -8}), kCoseAlgEs256},
        std::pair{algs({-257, -8}), kCoseAlgEdDsa}}) {
    auto made = call(authenticator, protocol::ctap::Command::kMakeCredential,
                     make_request("example.com", 1, false, order));
    ASSERT_EQ(made.status, CtapStatus::kOk);
    const Made m = parse_made(made.body);
    EXPECT_EQ(m.public_key.find(3)->as_integer(), expected);
    if (expected == kCoseAlgEdDsa) {
      EXPECT_EQ(m.public_key.find(1)->as_integer(), 1) << "kty OKP";
      EXPECT_EQ(m.public_key.find(-1)->as_integer(), 6) << "crv Ed25519";
      EXPECT_EQ(m.public_key.find(-2)->as_bytes().size(), 32u);
    }
    auto asserted = call(authenticator, protocol::ctap::Command::kGetAssertion,
                         cbor::Map{{1, "example.com"}, {2, kClientDataHash}, {3, allow(m.id)}});
    ASSERT_EQ(asserted.status, CtapStatus::kOk);
    EXPECT_TRUE(signature_verifies(m.public_key, asserted.body));
  }
  card::CardContext factory_context;
  Authenticator factory(factory_context);
  ASSERT_TRUE(factory.load(profile_section("factory")).ok());
  EXPECT_EQ(call(factory, protocol::ctap::Command::kMakeCredential,
                 make_request("example.com", 1, false, algs({-8})))
                .status,
            CtapStatus::kUnsupportedAlgorithm)
      << "a profile without EdDSA refuses it";
}

// hmac-secret's getAssertion input for `salts`, and the platform's shared secret to read the output.
struct HmacRequest {
  cbor::Value input;
  Bytes shared;
};

HmacRequest hmac_input(TestPlatform& platform, ByteView salts, bool with_protocol_key = true) {
  auto [shared, ka] = platform.key_agreement();
  const Bytes salt_enc = *pin_encrypt(platform.protocol(), shared, salts);
  cbor::Map m{{1, ka}, {2, salt_enc}, {3, pin_authenticate(platform.protocol(), shared, salt_enc)}};
  if (with_protocol_key) m.emplace_back(4, uint64_t(platform.protocol()));
  return {cbor::Value(std::move(m)), shared};
}

// The decrypted hmac-secret output of an assertion, or nullopt when it has none.
std::optional<Bytes> hmac_output(TestPlatform& platform, const HmacRequest& request,
                                 const CtapResult& assertion) {
  const Bytes& auth_data = assertion.body.find(2)->as_bytes();
  if (!(auth_data[32] & kFlagExtensionData)) return std::nullopt;
  cbor::Value ext;
  EXPECT_EQ(cbor::decode(ByteView(auth_data).subspan(37), ext), cbor::DecodeStatus::kOk);
  auto plain = pin_decrypt(platform.protocol(), request.shared, ext.find("hmac-secret")->as_bytes());
  EXPECT_TRUE(plain.ok());
  return *plain;
}

class HmacSecretTest : public YubiKey5Test, public ::testing::WithParamInterface<PinProtocol> {
 protected:
  CtapResult get(ByteView id, const cbor::Value& input, std::optional<Bytes> pin_auth = {}) {
    cbor::Map m{
        {1, "example.com"}, {2, kClientDataHash}, {3, allow(id)}, {4, cbor::Map{{"hmac-secret", input}}}};
    if (pin_auth) {
      m.emplace_back(6, *pin_auth);
      m.emplace_back(7, uint64_t(GetParam()));
    }
    return call(authenticator, protocol::ctap::Command::kGetAssertion, cbor::Value(std::move(m)));
  }
  Bytes output(ByteView id, ByteView salts, std::optional<Bytes> pin_auth = {}) {
    const HmacRequest r = hmac_input(platform, salts);
    auto asserted = get(id, r.input, pin_auth);
    EXPECT_EQ(asserted.status, CtapStatus::kOk);
    return hmac_output(platform, r, asserted).value_or(Bytes{});
  }
  TestPlatform platform{authenticator, GetParam()};
};

TEST_P(HmacSecretTest, SameSaltSameOutputOtherSaltOrUvAnother) {
  auto made = call(authenticator, protocol::ctap::Command::kMakeCredential,
                   make_request("example.com", 1, false, algs({-8}), cbor::Map{{"hmac-secret", true}}));
  ASSERT_EQ(made.status, CtapStatus::kOk);
  const Made m = parse_made(made.body);
  ASSERT_TRUE(m.extensions && m.flags & kFlagExtensionData);
  EXPECT_EQ(m.extensions->find("hmac-secret")->as_bool(), true);

  const Bytes salt1(32, 0x01), salt2(32, 0x02);
  Bytes both = salt1;
  append(both, salt2);
  const Bytes out1 = output(m.id, salt1);
  ASSERT_EQ(out1.size(), 32u);
  EXPECT_EQ(output(m.id, salt1), out1) << "the same salt gives the same output";
  const Bytes out2 = output(m.id, salt2);
  EXPECT_NE(out2, out1);
  Bytes pair = out1;
  append(pair, out2);
  EXPECT_EQ(output(m.id, both), pair) << "two salts give both outputs";

  // With UV (a PIN token) the authenticator uses CredRandomWithUV: a different output.
  ASSERT_EQ(platform.set_pin("1234"), CtapStatus::kOk);
  const auto [status, token] = platform.legacy_token("1234");
  ASSERT_EQ(status, CtapStatus::kOk);
  const Bytes with_uv = output(m.id, salt1, pin_authenticate(GetParam(), token, kClientDataHash));
  ASSERT_EQ(with_uv.size(), 32u);
  EXPECT_NE(with_uv, out1);
}

TEST_P(HmacSecretTest, BadInputsAreRefusedAndCredentialsWithoutItAnswerWithout) {
  auto made = call(authenticator, protocol::ctap::Command::kMakeCredential,
                   make_request("example.com", 1, false, algs({-7}), cbor::Map{{"hmac-secret", true}}));
  const Made m = parse_made(made.body);
  const uint32_t before = authenticator.credentials().discoverable().size();
  HmacRequest r = hmac_input(platform, Bytes(32, 0x01));
  cbor::Map forged = r.input.as_map();
  forged[2].second = Bytes(16, 0x00);  // saltAuth no longer matches
  EXPECT_EQ(get(m.id, cbor::Value(forged)).status, CtapStatus::kPinAuthInvalid);
  EXPECT_EQ(get(m.id, hmac_input(platform, Bytes(48, 0x01)).input).status, CtapStatus::kInvalidLength);
  EXPECT_EQ(get(m.id, cbor::Map{{2, Bytes(16)}, {3, Bytes(16)}}).status, CtapStatus::kMissingParameter);
  EXPECT_EQ(get(m.id, cbor::Value(true)).status, CtapStatus::kCborUnexpectedType);
  EXPECT_EQ(authenticator.credentials().discoverable().size(), before);

  auto plain = call(authenticator, protocol::ctap::Command::kMakeCredential,
                    make_request("example.com", 2, false, algs({-7})));
  const Made without = parse_made(plain.body);
  EXPECT_FALSE(without.extensions.has_value());
  r = hmac_input(platform, Bytes(32, 0x01));
  auto asserted = get(without.id, r.input);
  ASSERT_EQ(asserted.status, CtapStatus::kOk);
  EXPECT_FALSE(hmac_output(platform, r, asserted).has_value()) << "created without hmac-secret";
}

INSTANTIATE_TEST_SUITE_P(Protocols, HmacSecretTest, ::testing::Values(PinProtocol::kOne, PinProtocol::kTwo),
                         [](const auto& param_info) {
                           return param_info.param == PinProtocol::kOne ? "One" : "Two";
                         });

TEST(HmacSecret, AProfileWithoutTheExtensionIgnoresIt) {
  card::CardContext context;
  Authenticator factory(context);
  ASSERT_TRUE(factory.load(profile_section("factory")).ok());
  auto made = call(factory, protocol::ctap::Command::kMakeCredential,
                   make_request("example.com", 1, false, algs({-7}), cbor::Map{{"hmac-secret", true}}));
  ASSERT_EQ(made.status, CtapStatus::kOk);
  EXPECT_FALSE(parse_made(made.body).extensions.has_value());
}

TEST_F(YubiKey5Test, CredProtectLevelsDecideWhichRequestsMayUseACredential) {
  std::map<uint64_t, Bytes> ids;
  for (uint64_t level : {1, 2, 3}) {
    auto made = call(authenticator, protocol::ctap::Command::kMakeCredential,
                     make_request("example.com", static_cast<uint8_t>(level), true, algs({-7}),
                                  cbor::Map{{"credProtect", level}}));
    ASSERT_EQ(made.status, CtapStatus::kOk);
    const Made m = parse_made(made.body);
    ASSERT_TRUE(m.extensions.has_value());
    EXPECT_EQ(m.extensions->find("credProtect")->as_unsigned(), level);
    ids[level] = m.id;
  }
  auto by_list = [&](uint64_t level) {
    return call(authenticator, protocol::ctap::Command::kGetAssertion,
                cbor::Map{{1, "example.com"}, {2, kClientDataHash}, {3, allow(ids[level])}})
        .status;
  };
  EXPECT_EQ(by_list(1), CtapStatus::kOk);
  EXPECT_EQ(by_list(2), CtapStatus::kOk) << "level 2: the allowList names it";
  EXPECT_EQ(by_list(3), CtapStatus::kNoCredentials) << "level 3 needs UV";
  auto discovered = call(authenticator, protocol::ctap::Command::kGetAssertion,
                         cbor::Map{{1, "example.com"}, {2, kClientDataHash}});
  ASSERT_EQ(discovered.status, CtapStatus::kOk);
  EXPECT_EQ(discovered.body.find(1)->find("id")->as_bytes(), ids[1])
      << "only level 1 is discoverable without UV";
  EXPECT_EQ(discovered.body.find(5), nullptr) << "one credential";

  // An excludeList naming the level 3 credential does not reveal it without UV (CTAP 2.1 6.1.2 step 11).
  cbor::Map exclude = make_request("example.com", 9, false, algs({-7})).as_map();
  exclude.emplace_back(5, allow(ids[3]));
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kMakeCredential, cbor::Value(exclude)).status,
            CtapStatus::kOk);

  // With UV all three, and credential management reports each level.
  TestPlatform platform(authenticator, PinProtocol::kTwo);
  ASSERT_EQ(platform.set_pin("1234"), CtapStatus::kOk);
  auto [status, token] = platform.legacy_token("1234");
  ASSERT_EQ(status, CtapStatus::kOk);
  auto all = call(authenticator, protocol::ctap::Command::kGetAssertion,
                  cbor::Map{{1, "example.com"},
                            {2, kClientDataHash},
                            {6, pin_authenticate(PinProtocol::kTwo, token, kClientDataHash)},
                            {7, 2}});
  ASSERT_EQ(all.status, CtapStatus::kOk);
  EXPECT_EQ(all.body.find(5)->as_unsigned(), 3u);

  // getPinToken (0x05): on this 2.1-PRE profile its token also serves credential management.
  const Bytes cm_token = platform.legacy_token("1234").second;
  cbor::Value sub_params = cbor::Map{{1, sha256(bytes_of("example.com"))}};
  Bytes message{0x04};
  append(message, cbor::encode(sub_params));
  auto first =
      call(authenticator, protocol::ctap::Command::kCredentialManagementPreview,
           cbor::Map{
               {1, 4}, {2, sub_params}, {3, 2}, {4, pin_authenticate(PinProtocol::kTwo, cm_token, message)}});
  ASSERT_EQ(first.status, CtapStatus::kOk);
  std::vector<uint64_t> levels{first.body.find(10)->as_unsigned()};
  for (int i = 1; i < 3; ++i)
    levels.push_back(
        call(authenticator, protocol::ctap::Command::kCredentialManagementPreview, cbor::Map{{1, 5}})
            .body.find(10)
            ->as_unsigned());
  std::sort(levels.begin(), levels.end());
  EXPECT_EQ(levels, (std::vector<uint64_t>{1, 2, 3}));
  // ... and subcommand 0x09 does not exist there.
  EXPECT_EQ(platform.token("1234", kPermGetAssertion).first, CtapStatus::kInvalidSubcommand);
}

TEST_F(YubiKey5Test, CredProtectInputsOutsideTheSpecAreRefused) {
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kMakeCredential,
                 make_request("example.com", 1, true, algs({-7}), cbor::Map{{"credProtect", 4}}))
                .status,
            CtapStatus::kInvalidParameter);
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kMakeCredential,
                 make_request("example.com", 1, true, algs({-7}), cbor::Map{{"credProtect", "required"}}))
                .status,
            CtapStatus::kCborUnexpectedType);
  EXPECT_TRUE(authenticator.credentials().discoverable().empty());
}

// IDs issued before the properties byte (nonce || tag, 48 bytes) stay valid: ES256, credProtect 1.
TEST_F(YubiKey5Test, LegacyCredentialIdsStillSign) {
  const Bytes master = *from_hex(authenticator.save()["credentials"]["master_secret"].get<std::string>());
  const Bytes nonce(32, 0x5A);
  Bytes bound = nonce;
  append(bound, sha256(bytes_of("example.com")));
  Bytes id_message = bytes_of("id");
  append(id_message, bound);
  Bytes id = nonce;
  const Bytes tag = crypto::hmac(crypto::HashAlg::kSha256, master, id_message);
  id.insert(id.end(), tag.begin(), tag.begin() + 16);
  Bytes key_message = bytes_of("key");
  append(key_message, nonce);
  auto key = crypto::EcKey::from_scalar(crypto::Curve::kP256,
                                        crypto::hmac(crypto::HashAlg::kSha256, master, key_message));
  ASSERT_TRUE(key.ok());
  auto asserted = call(authenticator, protocol::ctap::Command::kGetAssertion,
                       cbor::Map{{1, "example.com"}, {2, kClientDataHash}, {3, allow(id)}});
  ASSERT_EQ(asserted.status, CtapStatus::kOk);
  EXPECT_TRUE(signature_verifies(cose_ec2_key(key->public_point(), kCoseAlgEs256), asserted.body));
}

}  // namespace
}  // namespace keydesk::card::fido::testing
