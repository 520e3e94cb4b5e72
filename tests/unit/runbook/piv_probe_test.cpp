// aca-props-get on a token without the ACA: the same properties from PIV, with a real YubiKey's answers
// (Yubico's GET METADATA, INS F7, as ykman reads it), and "unknown, with the reason" for what standard PIV cannot tell without spending.
#include <gtest/gtest.h>

#include <map>

#include "runbook/access_control_probe.h"

using namespace keydesk;

namespace {

// Answers by the command header (CLA INS P1 P2); anything unscripted is 6D00. Records what was sent.
class ScriptedToken final : public transport::ApduTransport {
 public:
  explicit ScriptedToken(std::map<std::string, std::string> script) : script_(std::move(script)) {}
  Result<Bytes> transmit(ByteView c) override {
    sent.push_back(to_hex(c, true));
    auto it = script_.find(to_hex(c.first(4), true));
    return *from_hex(it == script_.end() ? "6D00" : it->second);
  }
  Bytes atr() const override { return {}; }
  std::string name() const override { return "scripted"; }
  std::vector<std::string> sent;

 private:
  std::map<std::string, std::string> script_;
};

// A token without the access-control applet: SELECT of the ACA's AID answers 6A82.
class NoAca final : public transport::ApduTransport {
 public:
  explicit NoAca(ScriptedToken& inner) : inner_(inner) {}
  Result<Bytes> transmit(ByteView c) override {
    if (c.size() > 5 && c[1] == 0xA4 && c[5] == 0xF0) return *from_hex("6A82");
    return inner_.transmit(c);
  }
  Bytes atr() const override { return {}; }
  std::string name() const override { return "no-aca"; }

 private:
  ScriptedToken& inner_;
};

}  // namespace

TEST(PivAccessProbe, YubiKeyMetadataGivesCountersAndDefaultFlags) {
  ScriptedToken token({{"00A40400", "9000"},
                       {"00FD0000", "0504039000"},
                       {"00F70080", "0101FF050101060203039000"},
                       {"00F70081", "0101FF050100060203029000"}});
  NoAca link(token);
  host::ApduConnection c(link);
  auto a = runbook::read_access_control(c);
  ASSERT_TRUE(a.ok()) << describe(a.error());
  EXPECT_EQ(a->source, "PIV metadata");
  EXPECT_EQ(a->pin_remaining, 3);
  EXPECT_EQ(a->pin_max, 3);
  EXPECT_EQ(a->pin_is_default, true);
  EXPECT_EQ(a->puk_remaining, 2);
  EXPECT_EQ(a->puk_is_default, false);
  for (const auto& s : token.sent)
    EXPECT_FALSE(s.starts_with("00200080") && s.size() > 8) << "spent a try: " << s;
}

TEST(PivAccessProbe, StandardPivReportsThePukAsUnknownAndNeverProbesIt) {
  ScriptedToken token({{"00A40400", "9000"}, {"00FD0000", "0403059000"}, {"00200080", "63C2"}});
  NoAca link(token);
  host::ApduConnection c(link);
  auto a = runbook::read_access_control(c);
  ASSERT_TRUE(a.ok()) << describe(a.error());
  EXPECT_EQ(a->source, "PIV");
  EXPECT_EQ(a->pin_remaining, 2);
  EXPECT_FALSE(a->puk_remaining.has_value());
  EXPECT_NE(a->unknown["CurrentPinUnlockCounter"].find("without spending"), std::string::npos);
  for (const auto& s : token.sent) {
    EXPECT_FALSE(s.starts_with("002C")) << "touched the PUK: " << s;
    EXPECT_FALSE(s.starts_with("00200080") && s.size() > 8) << "spent a PIN try: " << s;
  }
}
