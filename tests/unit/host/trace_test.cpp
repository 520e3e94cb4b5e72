// The -v trace masks by the table of the applet the link has selected (protocol/masking.h): the same
// instruction byte is a secret in one applet and plain data in another.
#include "host/trace.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace keydesk::host {
namespace {

Bytes hex(const char* h) {
  return *from_hex(h);
}

// Answers 9000 to everything.
class Ok final : public transport::ApduTransport {
 public:
  Result<Bytes> transmit(ByteView) override { return hex("9000"); }
  Bytes atr() const override { return {}; }
  std::string name() const override { return "ok"; }
};

std::vector<std::string> trace(const std::vector<const char*>& commands) {
  Ok inner;
  std::vector<std::string> lines;
  TracingTransport tracing(inner, [&](const std::string& line) { lines.push_back(line); });
  for (const char* c : commands) EXPECT_TRUE(tracing.transmit(hex(c)).ok());
  return lines;
}

TEST(Trace, InstructionByteOneIsMaskedAsOathPutButShownAsU2fRegister) {
  // INS 01 carries a credential's secret in YKOATH (PUT) and a public challenge in U2F (REGISTER).
  const char* put = "0001000003730141";
  const auto oath = trace({"00A4040007A0000005272101", put});
  EXPECT_EQ(oath[1], "> 00 01 00 00 <3 bytes masked>  < 9000");
  const auto fido = trace({"00A4040008A0000006472F0001", put});
  EXPECT_EQ(fido[1], "> 00 01 00 00 730141  < 9000");
  // With no applet known, every table that marks the byte secret masks it.
  EXPECT_EQ(trace({put})[0], "> 00 01 00 00 <3 bytes masked>  < 9000");
}

TEST(Trace, AnInstructionTheSelectedAppletDoesNotKnowIsMaskedAsAnywhere) {
  // PIV has no INS A3; YKOATH's VALIDATE carries a proof of the access key.
  const auto lines = trace({"00A4040005A000000308", "00A3000003750102"});
  EXPECT_EQ(lines[1], "> 00 A3 00 00 <3 bytes masked>  < 9000");
}

TEST(Trace, AFailedSelectLeavesNoAppletSelected) {
  class Refusing final : public transport::ApduTransport {
   public:
    Result<Bytes> transmit(ByteView c) override {
      return hex(to_hex(c, true) == "00A4040008A0000006472F0001" ? "6A82" : "9000");
    }
    Bytes atr() const override { return {}; }
    std::string name() const override { return "refusing"; }
  } inner;
  std::vector<std::string> lines;
  TracingTransport tracing(inner, [&](const std::string& line) { lines.push_back(line); });
  ASSERT_TRUE(tracing.transmit(hex("00A4040007A0000005272101")).ok());    // OATH selected
  ASSERT_TRUE(tracing.transmit(hex("00A4040008A0000006472F0001")).ok());  // FIDO refused: 6A82
  ASSERT_TRUE(tracing.transmit(hex("0001000003730141")).ok());
  EXPECT_EQ(lines[2], "> 00 01 00 00 <3 bytes masked>  < 9000");
}

}  // namespace
}  // namespace keydesk::host
