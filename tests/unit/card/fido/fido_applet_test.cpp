// The FIDO applet on the card, through the in-process transport: SELECT, NFCCTAP_MSG, command chaining
// of long requests, 61xx for long responses, persistence and power cycle.
#include "card/fido/fido_applet.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "card/card.h"
#include "fixtures/authenticator_fixture.h"
#include "iso7816/apdu.h"

namespace keydesk::card::fido {
namespace {

using iso7816::CommandApdu;

const Bytes kFidoAid{0xA0, 0x00, 0x00, 0x06, 0x47, 0x2F, 0x00, 0x01};

nlohmann::json seed() {
  return {{"card", {{"atr", "3b8d80018073c021c05748494443727363ed"}}},
          {"applets", {{"fido", testing::profile_section("yubikey5")}}}};
}

Bytes transmit(card::Card& card, const CommandApdu& c) {
  return card.transmit(c.encode());
}

// NFCCTAP_MSG as libfido2 1.12 sends it: short APDUs, CLA 90 chaining in 240-byte blocks, GET RESPONSE.
Bytes ctap(card::Card& card, ByteView request) {
  size_t offset = 0;
  Bytes r;
  do {
    const size_t n = std::min<size_t>(240, request.size() - offset);
    const bool last = offset + n == request.size();
    r = transmit(card, CommandApdu::make(last ? 0x80 : 0x90, 0x10, 0x00, 0x00,
                                         Bytes(request.begin() + offset, request.begin() + offset + n), 256));
    offset += n;
    if (!last) {
      EXPECT_EQ(r, (Bytes{0x90, 0x00}));
    }
  } while (offset < request.size());
  Bytes data;
  while (r.size() >= 2 && r[r.size() - 2] == 0x61) {
    data.insert(data.end(), r.begin(), r.end() - 2);
    r = transmit(card, CommandApdu::make(0x00, 0xC0, 0x00, 0x00, {}, r.back() == 0 ? 256 : r.back()));
  }
  data.insert(data.end(), r.begin(), r.end() - 2);
  EXPECT_EQ(r[r.size() - 2], 0x90);
  return data;
}

TEST(FidoApplet, SelectThenCtapOverNfcctap) {
  card::Card card;
  auto& applet = card.emplace_applet<FidoApplet>();
  ASSERT_TRUE(card.load(seed()).ok());
  Bytes selected = transmit(card, CommandApdu::make(0x00, 0xA4, 0x04, 0x00, kFidoAid, 256));
  // The yubikey5 profile speaks U2F too (CTAP 2.1 section 11.3.3).
  EXPECT_EQ(string_of(ByteView(selected).first(selected.size() - 2)), "U2F_V2");
  const Bytes info = ctap(card, Bytes{0x04});
  EXPECT_EQ(info.at(0), 0x00);

  // A makeCredential over 240 bytes (long user name) and a response over 256 bytes (certificate).
  cbor::Value request = cbor::Map{{1, Bytes(32, 1)},
                                  {2, cbor::Map{{"id", "example.com"}}},
                                  {3, cbor::Map{{"id", Bytes{1}}, {"name", std::string(300, 'u')}}},
                                  {4, cbor::Array{cbor::Map{{"alg", -7}, {"type", "public-key"}}}},
                                  {7, cbor::Map{{"rk", true}}}};
  Bytes raw{0x01};
  append(raw, cbor::encode(request));
  const Bytes made = ctap(card, raw);
  ASSERT_EQ(made.at(0), 0x00);
  EXPECT_GT(made.size(), 256u);
  EXPECT_EQ(applet.authenticator().credentials().remaining(), 24u);

  // Never the keepalive status 9100, also with P1 = 80 (python-fido2).
  const Bytes p1_80 = transmit(card, CommandApdu::make(0x80, 0x10, 0x80, 0x00, Bytes{0x04}, 256));
  EXPECT_EQ(p1_80.at(p1_80.size() - 2), 0x90);
  EXPECT_EQ(transmit(card, CommandApdu::make(0x80, 0x11, 0x00, 0x00, {}, 256)), (Bytes{0x69, 0x85}));
}

TEST(FidoApplet, StatePersistsInTheStateFile) {
  const std::string path = ::testing::TempDir() + "/fido_state.json";
  std::filesystem::remove(path);
  {
    card::Card card(path);
    card.emplace_applet<FidoApplet>();
    ASSERT_TRUE(card.load(seed()).ok());
    transmit(card, CommandApdu::make(0x00, 0xA4, 0x04, 0x00, kFidoAid));
    cbor::Value request = cbor::Map{{1, Bytes(32, 1)},
                                    {2, cbor::Map{{"id", "example.com"}}},
                                    {3, cbor::Map{{"id", Bytes{1}}}},
                                    {4, cbor::Array{cbor::Map{{"alg", -7}, {"type", "public-key"}}}},
                                    {7, cbor::Map{{"rk", true}}}};
    Bytes raw{0x01};
    append(raw, cbor::encode(request));
    ASSERT_EQ(ctap(card, raw).at(0), 0x00);
  }
  card::Card reloaded(path);
  auto& applet = reloaded.emplace_applet<FidoApplet>();
  std::ifstream in(path);
  ASSERT_TRUE(reloaded.load(nlohmann::json::parse(in)).ok());
  EXPECT_EQ(applet.authenticator().credentials().remaining(), 24u);
  EXPECT_EQ(to_hex(applet.authenticator().aaguid()), "6b65796465736b000000000000000501");
}

}  // namespace
}  // namespace keydesk::card::fido
