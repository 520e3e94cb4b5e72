// The management applet as `ykman info` reads it (Yubico's management application: READ CONFIG, INS 1D).
#include <gtest/gtest.h>

#include "fixtures/sim_token.h"
#include "iso7816/tlv.h"

using namespace keydesk;
using namespace keydesk::testing;

TEST(ManagementApplet, SelectAnswersWithTheFirmwareVersionAsText) {
  SimToken token("yubikey5");
  auto r = token.connection().select(hex("A000000527471117"));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->sw.ok());
  EXPECT_NE(string_of(r->data).find("5.4.3"), std::string::npos) << string_of(r->data);
}

TEST(ManagementApplet, ReadConfigCarriesSerialCapabilitiesAndALeadingLength) {
  auto doc = profile("yubikey5");
  doc["card"]["serial"] = 12345678;
  SimToken token(doc);
  ASSERT_TRUE(token.connection().select(hex("A000000527471117")).ok());
  auto config =
      token.connection().send_ok(iso7816::CommandApdu::make(0x00, 0x1D, 0x00, 0x00, {}, 256), "READ CONFIG");
  ASSERT_TRUE(config.ok());
  ASSERT_FALSE(config->empty());
  EXPECT_EQ(size_t{(*config)[0]}, config->size() - 1)
      << "ykman rejects a config whose first byte is not the length";
  const ByteView tlvs = ByteView(*config).subspan(1);
  EXPECT_EQ(to_hex(*iso7816::find_value(tlvs, 0x02)), "00bc614e") << "serial 12345678";
  EXPECT_EQ(to_hex(*iso7816::find_value(tlvs, 0x01)), "0230") << "PIV | OATH | FIDO2";
  EXPECT_EQ(to_hex(*iso7816::find_value(tlvs, 0x05)), "050403");
  EXPECT_EQ(to_hex(*iso7816::find_value(tlvs, 0x04)), "01");
}

TEST(ManagementApplet, NeoWorkaroundApduGetsAnErrorStatus) {
  SimToken token("yubikey5");
  const std::string selected = token.raw("00A4040008A000000527471117");
  ASSERT_TRUE(selected.ends_with("9000")) << selected;
  EXPECT_EQ(token.raw("A4040008"), "6E00");
  EXPECT_EQ(token.raw("001D000100"), "6B00");
}
