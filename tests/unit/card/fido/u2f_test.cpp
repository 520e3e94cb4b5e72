// CTAP1 / U2F (FIDO U2F raw message formats v1.2): request parsing, REGISTER / AUTHENTICATE / VERSION as a
// U2F relying party checks them (signatures verified with the attestation certificate and the registered
// key), the key handle shared with CTAP2, CTAPHID_MSG framing, the ISO 7816 path on the FIDO applet, and
// profiles without U2F answering "not supported".
#include "card/fido/u2f.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "card/card.h"
#include "card/fido/ctaphid.h"
#include "card/fido/fido_applet.h"
#include "fixtures/authenticator_fixture.h"
#include "fixtures/fido_platform.h"
#include "iso7816/apdu.h"

namespace keydesk::card::fido::testing {
namespace {

const Bytes kChallenge(32, 0xC1);
const Bytes kApplication = sha256(bytes_of("https://example.com/appid.json"));

// Extended-length encoding, as python-fido2's Ctap1 sends it over CTAPHID_MSG.
Bytes u2f_message(uint8_t ins, uint8_t p1, ByteView data) {
  Bytes m{
      0x00, ins, p1, 0x00, 0x00, static_cast<uint8_t>(data.size() >> 8), static_cast<uint8_t>(data.size())};
  append(m, data);
  m.push_back(0x00);
  m.push_back(0x00);
  return m;
}

uint16_t sw_of(ByteView response) {
  return static_cast<uint16_t>((response[response.size() - 2] << 8) | response[response.size() - 1]);
}

bool verify_with_certificate(ByteView der, ByteView message, ByteView signature) {
  const unsigned char* p = der.data();
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (!cert) return false;
  EVP_PKEY* key = X509_get0_pubkey(cert);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, signature.data(), signature.size(), message.data(), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  X509_free(cert);
  return ok;
}

struct Registration {
  Bytes public_point;
  Bytes key_handle;
};

class U2fTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(authenticator.load(profile_section("yubikey5")).ok()); }

  Registration register_key() {
    Bytes data = kChallenge;
    append(data, kApplication);
    const Bytes r = authenticator.handle_u2f(u2f_message(0x01, 0x03, data));
    EXPECT_EQ(sw_of(r), 0x9000);
    // 05 || public key (65) || L || key handle || certificate || signature
    EXPECT_EQ(r.at(0), 0x05);
    Registration reg{Bytes(r.begin() + 1, r.begin() + 66), {}};
    const size_t kh_length = r.at(66);
    reg.key_handle.assign(r.begin() + 67, r.begin() + 67 + static_cast<std::ptrdiff_t>(kh_length));
    const ByteView rest = ByteView(r).subspan(67 + kh_length, r.size() - 2 - 67 - kh_length);
    // The certificate is one DER SEQUENCE with a two-byte length (82 LL LL); the signature follows.
    EXPECT_EQ(rest[0], 0x30);
    EXPECT_EQ(rest[1], 0x82);
    const size_t cert_length = 4 + ((size_t{rest[2]} << 8) | rest[3]);
    const ByteView certificate = rest.first(cert_length), signature = rest.subspan(cert_length);
    Bytes signed_data{0x00};
    append(signed_data, kApplication);
    append(signed_data, kChallenge);
    append(signed_data, reg.key_handle);
    append(signed_data, reg.public_point);
    EXPECT_TRUE(verify_with_certificate(certificate, signed_data, signature)) << "attestation signature";
    return reg;
  }

  Bytes authenticate(uint8_t p1, ByteView key_handle, ByteView application = kApplication) {
    Bytes data = kChallenge;
    append(data, application);
    data.push_back(static_cast<uint8_t>(key_handle.size()));
    append(data, key_handle);
    return authenticator.handle_u2f(u2f_message(0x02, p1, data));
  }

  static bool authentication_verifies(const Registration& reg, ByteView response) {
    Bytes signed_data = kApplication;
    append(signed_data, response.first(5));
    append(signed_data, kChallenge);
    return crypto::ecdsa_verify_digest(crypto::Curve::kP256, reg.public_point, sha256(signed_data),
                                       response.subspan(5, response.size() - 7));
  }

  card::CardContext context;
  Authenticator authenticator{context};
};

TEST(U2fRequest, ParsesEveryEncodingClientsSend) {
  EXPECT_TRUE(parse_u2f_request(Bytes{0x00, 0x03, 0x00, 0x00})->data.empty());
  EXPECT_TRUE(parse_u2f_request(Bytes{0x00, 0x03, 0x00, 0x00, 0x00})->data.empty()) << "short Le";
  EXPECT_TRUE(parse_u2f_request(Bytes{0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00})->data.empty())
      << "extended Le";
  EXPECT_TRUE(parse_u2f_request(u2f_message(0x03, 0, {}))->data.empty()) << "python-fido2's VERSION";
  EXPECT_EQ(parse_u2f_request(u2f_message(0x01, 0, Bytes(64, 7)))->data, Bytes(64, 7));
  Bytes short_form{0x00, 0x01, 0x03, 0x00, 0x40};
  append(short_form, Bytes(64, 7));
  EXPECT_EQ(parse_u2f_request(short_form)->data, Bytes(64, 7));
  short_form.push_back(0x00);
  EXPECT_EQ(parse_u2f_request(short_form)->data, Bytes(64, 7)) << "short with Le";
  EXPECT_FALSE(parse_u2f_request(Bytes{0x00, 0x01})) << "no header";
  Bytes lying = u2f_message(0x01, 0, Bytes(64, 7));
  lying[6] = 0x41;  // Lc one more than the data
  EXPECT_FALSE(parse_u2f_request(lying));
}

TEST_F(U2fTest, VersionRegisterAuthenticate) {
  const Bytes version = authenticator.handle_u2f(u2f_message(0x03, 0, {}));
  EXPECT_EQ(version, (Bytes{'U', '2', 'F', '_', 'V', '2', 0x90, 0x00}));

  const Registration reg = register_key();
  ASSERT_LE(reg.key_handle.size(), authenticator.profile().max_credential_id_length);
  // check-only: "mine" is 6985 and counts nothing; another application's parameter is 6A80.
  EXPECT_EQ(authenticate(0x07, reg.key_handle), (Bytes{0x69, 0x85}));
  EXPECT_EQ(authenticate(0x07, reg.key_handle, sha256(bytes_of("other"))), (Bytes{0x6A, 0x80}));
  EXPECT_EQ(authenticate(0x03, reg.key_handle, sha256(bytes_of("other"))), (Bytes{0x6A, 0x80}));

  const Bytes first = authenticate(0x03, reg.key_handle);
  ASSERT_EQ(sw_of(first), 0x9000);
  EXPECT_EQ(first[0], 0x01) << "user presence";
  EXPECT_TRUE(authentication_verifies(reg, first));
  const Bytes silent = authenticate(0x08, reg.key_handle);
  ASSERT_EQ(sw_of(silent), 0x9000);
  EXPECT_EQ(silent[0], 0x00) << "dont-enforce-user-presence-and-sign";
  EXPECT_TRUE(authentication_verifies(reg, silent));
  EXPECT_GT(read_be32(ByteView(silent).subspan(1)), read_be32(ByteView(first).subspan(1))) << "counter";

  // The key handle is a CTAP2 credential for the rpId whose hash is the application parameter.
  auto asserted = call(authenticator, protocol::ctap::Command::kGetAssertion,
                       cbor::Map{{1, "https://example.com/appid.json"},
                                 {2, kChallenge},
                                 {3, cbor::Array{credential_descriptor(reg.key_handle)}}});
  ASSERT_EQ(asserted.status, CtapStatus::kOk);
  Bytes signed_data = asserted.body.find(2)->as_bytes();
  append(signed_data, kChallenge);
  EXPECT_TRUE(crypto::ecdsa_verify_digest(crypto::Curve::kP256, reg.public_point, sha256(signed_data),
                                          asserted.body.find(3)->as_bytes()));
  EXPECT_GT(read_be32(ByteView(asserted.body.find(2)->as_bytes()).subspan(33)),
            read_be32(ByteView(silent).subspan(1)))
      << "one counter for U2F and CTAP2";
}

TEST_F(U2fTest, PresenceAndBadRequests) {
  const Registration reg = register_key();
  context.presence.set_mode(card::UserPresence::Mode::kDeny);
  Bytes data = kChallenge;
  append(data, kApplication);
  EXPECT_EQ(authenticator.handle_u2f(u2f_message(0x01, 0x03, data)), (Bytes{0x69, 0x85}));
  EXPECT_EQ(authenticate(0x03, reg.key_handle), (Bytes{0x69, 0x85}));
  EXPECT_EQ(sw_of(authenticate(0x08, reg.key_handle)), 0x9000) << "no presence asked";
  context.presence.set_mode(card::UserPresence::Mode::kGrant);

  EXPECT_EQ(authenticator.handle_u2f(u2f_message(0x01, 0x03, Bytes(63, 0))), (Bytes{0x67, 0x00}));
  EXPECT_EQ(authenticator.handle_u2f(u2f_message(0x03, 0, Bytes{1})), (Bytes{0x67, 0x00}));
  EXPECT_EQ(authenticate(0x05, reg.key_handle), (Bytes{0x6A, 0x86}));
  Bytes truncated = u2f_message(0x02, 0x03, Bytes(70, 0));
  EXPECT_EQ(authenticator.handle_u2f(truncated), (Bytes{0x67, 0x00})) << "key handle length disagrees";
  EXPECT_EQ(authenticator.handle_u2f(Bytes{0x80, 0x03, 0x00, 0x00}), (Bytes{0x6E, 0x00}));
  EXPECT_EQ(authenticator.handle_u2f(Bytes{0x00, 0x44, 0x00, 0x00}), (Bytes{0x6D, 0x00}));
  EXPECT_EQ(authenticator.handle_u2f(Bytes{0x00}), (Bytes{0x67, 0x00}));
}

TEST_F(U2fTest, EdDsaAndUvRequiredCredentialsAreUnknownToU2f) {
  const std::string app = "https://example.com/appid.json";
  for (auto [alg, level] : {std::pair{-8, 1}, std::pair{-7, 3}}) {
    auto made = call(authenticator, protocol::ctap::Command::kMakeCredential,
                     cbor::Map{{1, kChallenge},
                               {2, cbor::Map{{"id", app}}},
                               {3, cbor::Map{{"id", Bytes{1}}}},
                               {4, cbor::Array{cbor::Map{{"alg", alg}, {"type", "public-key"}}}},
                               {6, cbor::Map{{"credProtect", level}}}});
    ASSERT_EQ(made.status, CtapStatus::kOk);
    const Bytes& auth_data = made.body.find(2)->as_bytes();
    const Bytes id(auth_data.begin() + 55, auth_data.begin() + 55 + auth_data[54]);
    EXPECT_EQ(authenticate(0x03, id), (Bytes{0x6A, 0x80})) << alg << "/" << level;
  }
}

TEST(U2fOff, ProfilesWithoutU2fRefuseItEverywhere) {
  card::Card card;
  auto& applet = card.emplace_applet<FidoApplet>();
  ASSERT_TRUE(card.load({{"card", {{"atr", "3b8d80018073c021c05748494443727363ed"}}},
                         {"applets", {{"fido", profile_section("factory")}}}})
                  .ok());
  EXPECT_EQ(applet.authenticator().handle_u2f(u2f_message(0x03, 0, {})), (Bytes{0x6D, 0x00}));
  const Bytes aid{0xA0, 0x00, 0x00, 0x06, 0x47, 0x2F, 0x00, 0x01};
  const Bytes selected = card.transmit(iso7816::CommandApdu::make(0x00, 0xA4, 0x04, 0x00, aid, 256).encode());
  EXPECT_EQ(string_of(ByteView(selected).first(selected.size() - 2)), "FIDO_2_0");
  EXPECT_EQ(card.transmit(Bytes{0x00, 0x03, 0x00, 0x00, 0x00}), (Bytes{0x6E, 0x00}));
}

TEST(U2fOverIso7816, RegisterAndAuthenticateThroughTheCard) {
  card::Card card;
  auto& applet = card.emplace_applet<FidoApplet>();
  ASSERT_TRUE(card.load({{"card", {{"atr", "3b8d80018073c021c05748494443727363ed"}}},
                         {"applets", {{"fido", profile_section("yubikey5")}}}})
                  .ok());
  const Bytes aid{0xA0, 0x00, 0x00, 0x06, 0x47, 0x2F, 0x00, 0x01};
  card.transmit(iso7816::CommandApdu::make(0x00, 0xA4, 0x04, 0x00, aid).encode());
  EXPECT_EQ(card.transmit(Bytes{0x00, 0x03, 0x00, 0x00, 0x00}),
            (Bytes{'U', '2', 'F', '_', 'V', '2', 0x90, 0x00}));
  Bytes data = kChallenge;
  append(data, kApplication);
  Bytes r = card.transmit(iso7816::CommandApdu::make(0x00, 0x01, 0x03, 0x00, data, 256).encode());
  ASSERT_EQ(r[r.size() - 2], 0x61) << "a registration is longer than one short response";
  const uint32_t count_before = applet.authenticator().save()["credentials"]["sign_count"].get<uint32_t>();
  const Bytes key_handle(r.begin() + 67, r.begin() + 67 + r[66]);
  Bytes auth = kChallenge;
  append(auth, kApplication);
  auth.push_back(static_cast<uint8_t>(key_handle.size()));
  append(auth, key_handle);
  r = card.transmit(iso7816::CommandApdu::make(0x00, 0x02, 0x03, 0x00, auth, 256).encode());
  EXPECT_EQ(sw_of(r), 0x9000);
  EXPECT_EQ(applet.authenticator().save()["credentials"]["sign_count"].get<uint32_t>(), count_before + 1)
      << "AUTHENTICATE spends a counter value";
}

TEST(U2fOverCtaphid, MsgIsServedOnlyWithoutNmsg) {
  using namespace ctaphid;
  for (const bool u2f : {false, true}) {
    const uint8_t caps =
        u2f ? (kCapabilityWink | kCapabilityCbor) : (kCapabilityWink | kCapabilityCbor | kCapabilityNoMsg);
    CtaphidDevice device([](ByteView) { return Bytes{0x00}; }, {5, 4, 3}, caps,
                         [](ByteView request) {
                           Bytes r(request.begin(), request.end());
                           r.push_back(0x90);
                           r.push_back(0x00);
                           return r;
                         });
    const auto now = CtaphidDevice::Clock::now();
    auto init = device.receive(frame(kBroadcastCid, kInit, Bytes(8, 1)).at(0), now);
    ASSERT_TRUE(init);
    EXPECT_EQ(init->packets.at(0)[7 + 16], caps);
    const uint32_t cid = read_be32(ByteView(init->packets.at(0)).subspan(7 + 8, 4));
    auto r = device.receive(frame(cid, kMsg, Bytes{0x00, 0x03, 0x00, 0x00}).at(0), now);
    ASSERT_TRUE(r);
    if (u2f) {
      EXPECT_EQ(r->packets.at(0)[4], 0x80 | kMsg);
      EXPECT_EQ(r->packets.at(0)[6], 6) << "request echoed with 90 00";
    } else {
      EXPECT_EQ(r->packets.at(0)[4], 0x80 | kError);
      EXPECT_EQ(r->packets.at(0)[7], static_cast<uint8_t>(HidError::kInvalidCmd));
    }
  }
}

}  // namespace
}  // namespace keydesk::card::fido::testing
