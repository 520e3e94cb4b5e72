// Token discovery as an operator sees it: one index per physical key, its FIDO interface attached, and a
// clear choice rule when several keys are connected.
#include "access/token_discovery.h"

#include <gtest/gtest.h>

using namespace keydesk;
using keydesk::access::FidoDevice;
using keydesk::transport::ReaderStatus;

TEST(TokenDiscovery, AYubiKeysCcidReaderAndHidDeviceAreOneToken) {
  const std::vector<ReaderStatus> readers{{"Virtual PCD 00 00", false, {}},
                                          {"Yubico YubiKey OTP+FIDO+CCID 00 00", true, {0x3B}},
                                          {"Yubico YubiKey FIDO+CCID 01 00", true, {0x3B}}};
  const std::vector<FidoDevice> hid{{"/dev/hidraw3", "YubiKey FIDO+CCID"},
                                    {"/dev/hidraw1", "YubiKey OTP+FIDO+CCID"},
                                    {"/dev/hidraw7", "Solo 2"}};
  const auto tokens = access::merge_tokens(readers, hid);
  ASSERT_EQ(tokens.size(), 3u) << "an empty reader is not a token; an unmatched FIDO key is";
  EXPECT_EQ(tokens[0].reader, "Yubico YubiKey OTP+FIDO+CCID 00 00");
  EXPECT_EQ(tokens[0].fido_path, "/dev/hidraw1");
  EXPECT_EQ(tokens[1].fido_path, "/dev/hidraw3");
  EXPECT_EQ(tokens[2].index, 2);
  EXPECT_TRUE(tokens[2].reader.empty());
  EXPECT_EQ(tokens[2].fido_path, "/dev/hidraw7");
}

TEST(TokenDiscovery, OneCardAndOneFidoDeviceAreTheSameKey) {
  const auto tokens =
      access::merge_tokens({{"ACS ACR122U 00 00", true, {0x3B}}}, {{"/dev/hidraw0", "Token"}});
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].fido_path, "/dev/hidraw0");
}

TEST(TokenDiscovery, ChoosingATokenAmongSeveral) {
  const auto tokens =
      access::merge_tokens({{"Virtual PCD 00 00", true, {0x3B}}, {"Virtual PCD 00 01", true, {0x3B}}}, {});
  EXPECT_EQ(access::choose_token(tokens, std::nullopt, std::nullopt, false).error().kind, ErrorKind::kUsage);
  EXPECT_EQ(access::choose_token(tokens, std::nullopt, std::nullopt, true)->index, 0);
  EXPECT_EQ(access::choose_token(tokens, 1, std::nullopt, false)->reader, "Virtual PCD 00 01");
  EXPECT_EQ(access::choose_token(tokens, std::nullopt, std::string("virtual pcd 00 01"), false)->index, 1);
  EXPECT_EQ(access::choose_token(tokens, std::nullopt, std::string("Virtual PCD"), false).error().kind,
            ErrorKind::kUsage);
  EXPECT_EQ(access::choose_token(tokens, 5, std::nullopt, false).error().kind, ErrorKind::kNoToken);
  EXPECT_EQ(access::choose_token({}, std::nullopt, std::nullopt, true).error().kind, ErrorKind::kNoToken);
}
