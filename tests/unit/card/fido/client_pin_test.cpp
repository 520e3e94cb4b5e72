// authenticatorGetInfo and authenticatorClientPIN: what a platform observes, including the retry state
// machine of CTAP 2.1 section 6.5.5 (retries, the three-mismatch power-cycle block) and PIN_NOT_SET.
#include "fixtures/authenticator_fixture.h"
#include "fixtures/fido_platform.h"

namespace keydesk::card::fido::testing {
namespace {

class ClientPinTest : public AuthenticatorTest, public ::testing::WithParamInterface<PinProtocol> {
 protected:
  TestPlatform platform{authenticator, GetParam()};
};

TEST_F(AuthenticatorTest, GetInfoDescribesTheCaseStudyToken) {
  const Bytes raw = authenticator.handle(Bytes{0x04});
  ASSERT_EQ(raw.at(0), 0x00);
  cbor::Value info;
  ASSERT_EQ(cbor::decode(ByteView(raw).subspan(1), info), cbor::DecodeStatus::kOk);
  EXPECT_EQ(cbor::encode(info), Bytes(raw.begin() + 1, raw.end())) << "response is not canonical CBOR";
  EXPECT_EQ(info.find(1)->as_array(), (cbor::Array{"FIDO_2_0", "FIDO_2_1"}));
  EXPECT_EQ(to_hex(info.find(3)->as_bytes()), "6b65796465736b000000000000000c01");
  const cbor::Value& options = *info.find(4);
  EXPECT_FALSE(options.find("clientPin")->as_bool());
  EXPECT_TRUE(options.find("rk")->as_bool());
  EXPECT_TRUE(options.find("credMgmt")->as_bool());
  EXPECT_TRUE(options.find("ep")->as_bool());
  EXPECT_TRUE(options.find("pinUvAuthToken")->as_bool());
  EXPECT_EQ(info.find(6)->as_array(), (cbor::Array{2, 1}));
  EXPECT_EQ(info.find(13)->as_unsigned(), 4u);
  EXPECT_EQ(info.find(14)->as_unsigned(), 0x050403u);
  EXPECT_EQ(info.find(20)->as_unsigned(), 30u);
}

TEST(GetInfo, EpIsAbsentWithoutEnterpriseAttestation) {
  card::CardContext context;
  Authenticator a(context);
  ASSERT_TRUE(a.load(profile_section("yubikey5")).ok());
  auto info = call(a, protocol::ctap::Command::kGetInfo).body;
  EXPECT_EQ(info.find(4)->find("ep"), nullptr);
  EXPECT_EQ(info.find(20)->as_unsigned(), 25u);
  EXPECT_NE(info.find(3)->as_bytes(), from_hex("6b65796465736b000000000000000c01").value());
}

TEST_P(ClientPinTest, PinOperationsWithoutAPinAnswerPinNotSetAndSpendNothing) {
  const auto before = authenticator.save();
  EXPECT_EQ(platform.token("000000", kPermCredentialManagement).first, CtapStatus::kPinNotSet);
  EXPECT_EQ(platform.change_pin("000000", "12345678"), CtapStatus::kPinNotSet);
  EXPECT_EQ(platform.retries(), std::make_pair(uint64_t{8}, false));
  EXPECT_EQ(authenticator.save(), before);
}

TEST_P(ClientPinTest, SetChangeAndUseThePin) {
  ASSERT_EQ(platform.set_pin("1234"), CtapStatus::kOk);
  EXPECT_TRUE(
      call(authenticator, protocol::ctap::Command::kGetInfo).body.find(4)->find("clientPin")->as_bool());
  EXPECT_EQ(platform.set_pin("5678"), CtapStatus::kPinAuthInvalid) << "setPIN on a token that has a PIN";
  EXPECT_EQ(platform.change_pin("1234", "5678"), CtapStatus::kOk);
  EXPECT_EQ(platform.token("1234", kPermMakeCredential).first, CtapStatus::kPinInvalid);
  auto [status, token] = platform.token("5678", kPermMakeCredential);
  EXPECT_EQ(status, CtapStatus::kOk);
  EXPECT_EQ(token.size(), PinState::kTokenSize);
  EXPECT_EQ(platform.retries().first, 8u) << "a right PIN restores the counter";
}

TEST_P(ClientPinTest, PinPolicyRefusesShortPins) {
  EXPECT_EQ(platform.set_pin("123"), CtapStatus::kPinPolicyViolation);
  EXPECT_FALSE(authenticator.pin().is_set());
}

TEST_P(ClientPinTest, RetryStateMachineAsSpecified) {
  ASSERT_EQ(platform.set_pin("1234"), CtapStatus::kOk);
  struct Step {
    CtapStatus status;
    uint64_t retries;
    bool power_cycle;
  };
  const Step table[] = {{CtapStatus::kPinInvalid, 7, false},    {CtapStatus::kPinInvalid, 6, false},
                        {CtapStatus::kPinAuthBlocked, 5, true}, {CtapStatus::kPinInvalid, 4, false},
                        {CtapStatus::kPinInvalid, 3, false},    {CtapStatus::kPinAuthBlocked, 2, true},
                        {CtapStatus::kPinInvalid, 1, false},    {CtapStatus::kPinBlocked, 0, false}};
  for (const Step& step : table) {
    EXPECT_EQ(platform.token("9999", kPermMakeCredential).first, step.status);
    EXPECT_EQ(platform.retries(), std::make_pair(step.retries, step.power_cycle));
    if (step.power_cycle) {
      // While blocked even the right PIN is refused, and no retry is spent.
      EXPECT_EQ(platform.token("1234", kPermMakeCredential).first, CtapStatus::kPinAuthBlocked);
      EXPECT_EQ(platform.retries().first, step.retries);
      power_cycle();
    }
  }
  EXPECT_EQ(platform.token("1234", kPermMakeCredential).first, CtapStatus::kPinBlocked);
  EXPECT_EQ(platform.change_pin("1234", "5678"), CtapStatus::kPinBlocked);
}

TEST_P(ClientPinTest, RetriesSurviveSaveAndLoad) {
  ASSERT_EQ(platform.set_pin("1234"), CtapStatus::kOk);
  EXPECT_EQ(platform.token("0000", kPermMakeCredential).first, CtapStatus::kPinInvalid);
  card::CardContext other_context;
  Authenticator reloaded(other_context);
  ASSERT_TRUE(reloaded.load(authenticator.save()).ok());
  TestPlatform other(reloaded, GetParam());
  EXPECT_EQ(other.retries(), std::make_pair(uint64_t{7}, false));
  EXPECT_EQ(other.token("1234", kPermMakeCredential).first, CtapStatus::kOk);
}

TEST_P(ClientPinTest, ChangePinWithAForgedAuthParamSpendsNoRetry) {
  ASSERT_EQ(platform.set_pin("1234"), CtapStatus::kOk);
  auto [shared, ka] = platform.key_agreement();
  const Bytes new_enc = *pin_encrypt(GetParam(), shared, padded_pin("5678"));
  const Bytes hash_enc = *pin_encrypt(GetParam(), shared, pin_hash16("1234"));
  Bytes forged = pin_authenticate(GetParam(), shared, new_enc);  // not over newPinEnc || pinHashEnc
  auto r =
      call(authenticator, protocol::ctap::Command::kClientPin,
           cbor::Map{{1, uint64_t(GetParam())}, {2, 4}, {3, ka}, {4, forged}, {5, new_enc}, {6, hash_enc}});
  EXPECT_EQ(r.status, CtapStatus::kPinAuthInvalid);
  EXPECT_EQ(platform.retries().first, 8u);
}

INSTANTIATE_TEST_SUITE_P(Protocols, ClientPinTest, ::testing::Values(PinProtocol::kOne, PinProtocol::kTwo),
                         [](const auto& param_info) {
                           return param_info.param == PinProtocol::kOne ? "One" : "Two";
                         });

TEST_F(AuthenticatorTest, ClientPinParameterErrors) {
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kClientPin, cbor::Map{{1, 2}}).status,
            CtapStatus::kMissingParameter);
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kClientPin, cbor::Map{{1, 3}, {2, 2}}).status,
            CtapStatus::kInvalidParameter);
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kClientPin, cbor::Map{{1, 2}, {2, "two"}}).status,
            CtapStatus::kCborUnexpectedType);
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kClientPin, cbor::Map{{1, 2}, {2, 7}}).status,
            CtapStatus::kInvalidSubcommand);
  EXPECT_EQ(call(authenticator, protocol::ctap::Command::kClientPin, cbor::Map{{1, 2}, {2, 0x20}}).status,
            CtapStatus::kInvalidSubcommand);
}

}  // namespace
}  // namespace keydesk::card::fido::testing
