// makeCredential / getAssertion / credential management / reset, checked the way a relying party and
// a platform would: signatures verify, counts move, refusals carry the specified status.
#include "crypto/ec_key.h"
#include "fixtures/authenticator_fixture.h"
#include "fixtures/fido_platform.h"

namespace keydesk::card::fido::testing {
namespace {

const Bytes kClientDataHash(32, 0xCD);

cbor::Value make_credential_request(const std::string& rp, uint8_t user, bool rk) {
  return cbor::Map{{1, kClientDataHash},
                   {2, cbor::Map{{"id", rp}, {"name", "Example"}}},
                   {3, cbor::Map{{"id", Bytes{user}}, {"name", "user" + std::to_string(user)}}},
                   {4, cbor::Array{cbor::Map{{"alg", -7}, {"type", "public-key"}}}},
                   {7, cbor::Map{{"rk", rk}}}};
}

// The credential's public point from makeCredential's authData (attested credential data).
std::pair<Bytes, Bytes> credential_of(const cbor::Value& response) {
  const Bytes& auth_data = response.find(2)->as_bytes();
  const size_t id_length = (size_t{auth_data[53]} << 8) | auth_data[54];
  Bytes id(auth_data.begin() + 55, auth_data.begin() + 55 + static_cast<std::ptrdiff_t>(id_length));
  cbor::Value key;
  EXPECT_EQ(cbor::decode(ByteView(auth_data).subspan(55 + id_length), key), cbor::DecodeStatus::kOk);
  return {id, *point_from_cose(key)};
}

bool signature_verifies(ByteView point, const cbor::Value& assertion) {
  Bytes signed_data = assertion.find(2)->as_bytes();
  append(signed_data, kClientDataHash);
  return crypto::ecdsa_verify_digest(crypto::Curve::kP256, point, sha256(signed_data),
                                     assertion.find(3)->as_bytes());
}

uint64_t remaining(Authenticator& a) {
  return call(a, protocol::ctap::Command::kGetInfo).body.find(20)->as_unsigned();
}

TEST_F(AuthenticatorTest, DiscoverableCredentialSignsAssertionsAndUsesASlot) {
  auto made = call(authenticator, protocol::ctap::Command::kMakeCredential,
                   make_credential_request("example.com", 1, true));
  ASSERT_EQ(made.status, CtapStatus::kOk);
  EXPECT_EQ(made.body.find(1)->as_text(), "packed");
  EXPECT_EQ(remaining(authenticator), 29u);
  // Packed attestation: the batch signature covers authData || clientDataHash.
  const cbor::Value& statement = *made.body.find(3);
  EXPECT_EQ(statement.find("alg")->as_integer(), -7);
  EXPECT_EQ(statement.find("x5c")->as_array().size(), 1u);

  const auto [id, point] = credential_of(made.body);
  auto asserted = call(authenticator, protocol::ctap::Command::kGetAssertion,
                       cbor::Map{{1, "example.com"}, {2, kClientDataHash}});
  ASSERT_EQ(asserted.status, CtapStatus::kOk);
  EXPECT_EQ(asserted.body.find(1)->find("id")->as_bytes(), id);
  EXPECT_EQ(asserted.body.find(4)->find("id")->as_bytes(), Bytes{1});
  EXPECT_TRUE(signature_verifies(point, asserted.body));
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kGetAssertion,
                 cbor::Map{{1, "other.example"}, {2, kClientDataHash}})
                .status,
            CtapStatus::kNoCredentials);
}

TEST_F(AuthenticatorTest, NonDiscoverableCredentialWorksThroughTheAllowList) {
  auto made = call(authenticator, protocol::ctap::Command::kMakeCredential,
                   make_credential_request("example.com", 1, false));
  ASSERT_EQ(made.status, CtapStatus::kOk);
  EXPECT_EQ(remaining(authenticator), 30u);
  const auto [id, point] = credential_of(made.body);
  const cbor::Value allow = cbor::Array{credential_descriptor(id)};
  auto asserted = call(authenticator, protocol::ctap::Command::kGetAssertion,
                       cbor::Map{{1, "example.com"}, {2, kClientDataHash}, {3, allow}});
  ASSERT_EQ(asserted.status, CtapStatus::kOk);
  EXPECT_TRUE(signature_verifies(point, asserted.body));
  // The ID is bound to its RP.
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kGetAssertion,
                 cbor::Map{{1, "evil.example"}, {2, kClientDataHash}, {3, allow}})
                .status,
            CtapStatus::kNoCredentials);
}

TEST_F(AuthenticatorTest, SeveralCredentialsComeThroughGetNextAssertion) {
  for (uint8_t user = 1; user <= 3; ++user)
    ASSERT_EQ(call(authenticator, protocol::ctap::Command::kMakeCredential,
                   make_credential_request("example.com", user, true))
                  .status,
              CtapStatus::kOk);
  auto first = call(authenticator, protocol::ctap::Command::kGetAssertion,
                    cbor::Map{{1, "example.com"}, {2, kClientDataHash}});
  ASSERT_EQ(first.status, CtapStatus::kOk);
  EXPECT_EQ(first.body.find(5)->as_unsigned(), 3u);
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kGetNextAssertion).status, CtapStatus::kOk);
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kGetNextAssertion).status, CtapStatus::kOk);
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kGetNextAssertion).status, CtapStatus::kNotAllowed);
}

TEST_F(AuthenticatorTest, ExcludedAndDeniedAndFull) {
  auto made = call(authenticator, protocol::ctap::Command::kMakeCredential,
                   make_credential_request("example.com", 1, true));
  cbor::Value excluded = make_credential_request("example.com", 2, true);
  auto m = excluded.as_map();
  m.emplace_back(5, cbor::Array{credential_descriptor(credential_of(made.body).first)});
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kMakeCredential, cbor::Value(m)).status,
            CtapStatus::kCredentialExcluded);

  context.presence.set_mode(card::UserPresence::Mode::kDeny);
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kMakeCredential,
                 make_credential_request("example.com", 9, true))
                .status,
            CtapStatus::kOperationDenied);
  context.presence.set_mode(card::UserPresence::Mode::kGrant);

  for (uint8_t user = 2; user <= 30; ++user)
    ASSERT_EQ(call(authenticator, protocol::ctap::Command::kMakeCredential,
                   make_credential_request("full.example", user, true))
                  .status,
              CtapStatus::kOk);
  EXPECT_EQ(remaining(authenticator), 0u);
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kMakeCredential,
                 make_credential_request("full.example", 99, true))
                .status,
            CtapStatus::kKeyStoreFull);
}

TEST_F(AuthenticatorTest, WithAPinMakeCredentialNeedsAToken) {
  TestPlatform platform(authenticator, PinProtocol::kTwo);
  ASSERT_EQ(platform.set_pin("1234"), CtapStatus::kOk);
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kMakeCredential,
                 make_credential_request("example.com", 1, true))
                .status,
            CtapStatus::kPuatRequired);
  auto [status, token] = platform.token("1234", kPermMakeCredential, "example.com");
  ASSERT_EQ(status, CtapStatus::kOk);
  auto m = make_credential_request("example.com", 1, true).as_map();
  m.emplace_back(8, pin_authenticate(PinProtocol::kTwo, token, kClientDataHash));
  m.emplace_back(9, 2);
  auto made = call(authenticator, protocol::ctap::Command::kMakeCredential, cbor::Value(m));
  ASSERT_EQ(made.status, CtapStatus::kOk);
  EXPECT_EQ(made.body.find(2)->as_bytes()[32] & kFlagUserVerified, kFlagUserVerified);
  // The token is bound to example.com now.
  auto other = make_credential_request("other.example", 1, true).as_map();
  other.emplace_back(8, pin_authenticate(PinProtocol::kTwo, token, kClientDataHash));
  other.emplace_back(9, 2);
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kMakeCredential, cbor::Value(other)).status,
            CtapStatus::kPinAuthInvalid);
}

TEST_F(AuthenticatorTest, TouchProbeAnswersWhetherAPinExists) {
  auto m = make_credential_request("localhost", 1, false).as_map();
  m.emplace_back(8, Bytes{});
  m.emplace_back(9, 1);
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kMakeCredential, cbor::Value(m)).status,
            CtapStatus::kPinNotSet);
}

class CredentialManagementTest : public AuthenticatorTest,
                                 public ::testing::WithParamInterface<protocol::ctap::Command> {
 protected:
  CtapResult credman(uint8_t sub, std::optional<cbor::Value> params = {}) {
    Bytes message{sub};
    cbor::Map m{{1, uint64_t{sub}}, {3, 2}};
    if (params) {
      append(message, cbor::encode(*params));
      m.emplace_back(2, *params);
    }
    m.emplace_back(4, pin_authenticate(PinProtocol::kTwo, token, message));
    return call(authenticator, GetParam(), cbor::Value(m));
  }
  Bytes token;
};

TEST_P(CredentialManagementTest, CountsEnumeratesAndDeletes) {
  TestPlatform platform(authenticator, PinProtocol::kTwo);
  ASSERT_EQ(platform.set_pin("1234"), CtapStatus::kOk);
  for (const char* rp : {"a.example", "b.example"}) {
    auto [status, mc_token] = platform.token("1234", kPermMakeCredential);
    auto m = make_credential_request(rp, 7, true).as_map();
    m.emplace_back(8, pin_authenticate(PinProtocol::kTwo, mc_token, kClientDataHash));
    m.emplace_back(9, 2);
    ASSERT_EQ(call(authenticator, protocol::ctap::Command::kMakeCredential, cbor::Value(m)).status,
              CtapStatus::kOk);
  }
  token = platform.token("1234", kPermCredentialManagement).second;

  auto metadata = credman(1);
  ASSERT_EQ(metadata.status, CtapStatus::kOk);
  EXPECT_EQ(metadata.body.find(1)->as_unsigned(), 2u);
  EXPECT_EQ(metadata.body.find(2)->as_unsigned(), 28u);

  auto rps = credman(2);
  ASSERT_EQ(rps.status, CtapStatus::kOk);
  EXPECT_EQ(rps.body.find(5)->as_unsigned(), 2u);
  EXPECT_EQ(rps.body.find(3)->find("id")->as_text(), "a.example");
  auto next = call(authenticator, GetParam(), cbor::Map{{1, 3}});
  EXPECT_EQ(next.body.find(3)->find("id")->as_text(), "b.example");
  EXPECT_EQ(call(authenticator, GetParam(), cbor::Map{{1, 3}}).status, CtapStatus::kNotAllowed);

  auto creds = credman(4, cbor::Map{{1, sha256(bytes_of("b.example"))}});
  ASSERT_EQ(creds.status, CtapStatus::kOk);
  EXPECT_EQ(creds.body.find(9)->as_unsigned(), 1u);
  EXPECT_EQ(creds.body.find(6)->find("name")->as_text(), "user7");
  const Bytes id = creds.body.find(7)->find("id")->as_bytes();

  EXPECT_EQ(credman(7, cbor::Map{{2, credential_descriptor(id)},
                                 {3, cbor::Map{{"id", Bytes{7}}, {"name", "renamed"}}}})
                .status,
            CtapStatus::kOk);
  EXPECT_EQ(credman(4, cbor::Map{{1, sha256(bytes_of("b.example"))}}).body.find(6)->find("name")->as_text(),
            "renamed");
  EXPECT_EQ(credman(6, cbor::Map{{2, credential_descriptor(id)}}).status, CtapStatus::kOk);
  EXPECT_EQ(credman(6, cbor::Map{{2, credential_descriptor(id)}}).status, CtapStatus::kNoCredentials);
  EXPECT_EQ(remaining(authenticator), 29u);

  // Without the credman permission, or with a forged param, nothing is revealed.
  token = platform.token("1234", kPermGetAssertion).second;
  EXPECT_EQ(credman(1).status, CtapStatus::kPinAuthInvalid);
  EXPECT_EQ(call(authenticator, GetParam(), cbor::Map{{1, 1}}).status, CtapStatus::kPuatRequired);
}

INSTANTIATE_TEST_SUITE_P(CommandBytes, CredentialManagementTest,
                         ::testing::Values(protocol::ctap::Command::kCredentialManagement,
                                           protocol::ctap::Command::kCredentialManagementPreview));

TEST_F(AuthenticatorTest, ResetOnlyWithinTheWindowAndWithPresence) {
  TestPlatform platform(authenticator, PinProtocol::kTwo);
  ASSERT_EQ(platform.set_pin("1234"), CtapStatus::kOk);
  context.powered_on_at = std::chrono::steady_clock::now() - std::chrono::seconds(11);
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kReset).status, CtapStatus::kNotAllowed);
  power_cycle();
  context.presence.set_mode(card::UserPresence::Mode::kDeny);
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kReset).status, CtapStatus::kOperationDenied);
  EXPECT_TRUE(authenticator.pin().is_set());
  context.presence.set_mode(card::UserPresence::Mode::kGrant);
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kReset).status, CtapStatus::kOk);
  EXPECT_FALSE(authenticator.pin().is_set());
  EXPECT_EQ(platform.retries().first, 8u);
}

TEST_F(AuthenticatorTest, MalformedRequestsChangeNothing) {
  const auto before = authenticator.save();
  EXPECT_EQ(authenticator.handle(Bytes{0x01, 0xA1, 0x01}), Bytes{0x12});  // truncated CBOR
  EXPECT_EQ(authenticator.handle(Bytes{0x01, 0x81, 0x01}), Bytes{0x11});  // array, not a map
  EXPECT_EQ(authenticator.handle(Bytes{0x55}), Bytes{0x01});              // unknown command
  EXPECT_EQ(authenticator.handle(Bytes{}), Bytes{0x03});
  auto wrong_type = make_credential_request("example.com", 1, true).as_map();
  wrong_type[0].second = "not bytes";
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kMakeCredential, cbor::Value(wrong_type)).status,
            CtapStatus::kCborUnexpectedType);
  auto missing = make_credential_request("example.com", 1, true).as_map();
  missing.erase(missing.begin() + 2);  // no user
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kMakeCredential, cbor::Value(missing)).status,
            CtapStatus::kMissingParameter);
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kGetAssertion, cbor::Map{{1, "example.com"}}).status,
            CtapStatus::kMissingParameter);
  EXPECT_EQ(authenticator.save(), before);
}

}  // namespace
}  // namespace keydesk::card::fido::testing
