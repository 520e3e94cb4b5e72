#include "sim/vpcd_codec.h"

#include <gtest/gtest.h>

namespace keydesk::sim {
namespace {

TEST(VpcdCodec, OneByteMessagesAreControlCodes) {
  const uint8_t off[] = {0x00}, on[] = {0x01}, reset[] = {0x02}, atr[] = {0x04}, other[] = {0x03};
  EXPECT_EQ(classify_vpcd_payload(off).kind, VpcdRequestKind::kPowerOff);
  EXPECT_EQ(classify_vpcd_payload(on).kind, VpcdRequestKind::kPowerOn);
  EXPECT_EQ(classify_vpcd_payload(reset).kind, VpcdRequestKind::kReset);
  EXPECT_EQ(classify_vpcd_payload(atr).kind, VpcdRequestKind::kGetAtr);
  EXPECT_EQ(classify_vpcd_payload(other).kind, VpcdRequestKind::kUnknown);
  EXPECT_EQ(classify_vpcd_payload({}).kind, VpcdRequestKind::kUnknown);
}

TEST(VpcdCodec, LongerMessagesAreTransmittedCommands) {
  const Bytes case1 = *from_hex("00200080");
  const VpcdRequest r = classify_vpcd_payload(case1);
  EXPECT_EQ(r.kind, VpcdRequestKind::kApdu);
  EXPECT_EQ(r.apdu, case1);
  // Too short for an APDU, but vpcd waits for an answer: the card must see it (and say 6700).
  EXPECT_EQ(classify_vpcd_payload(*from_hex("0001")).kind, VpcdRequestKind::kApdu);
}

TEST(VpcdCodec, FramesWithBigEndianLength) {
  EXPECT_EQ(to_hex(*frame_vpcd_message(*from_hex("3b8d80"))), "00033b8d80");
  EXPECT_EQ(to_hex(*frame_vpcd_message({})), "0000");  // an empty ATR: "card removed"
  const Bytes big(300, 0xAB);
  EXPECT_EQ(to_hex(ByteView(*frame_vpcd_message(big)).first(2)), "012c");
  const Bytes too_big(kMaxVpcdPayload + 1, 0);
  EXPECT_EQ(frame_vpcd_message(too_big).error().kind, ErrorKind::kMalformed);
}

TEST(VpcdCodec, ReassemblesMessagesSplitAnywhere) {
  const Bytes stream = *from_hex(
      "000104"
      "000500a4040000"
      "0001"
      "00");
  VpcdFrameReader reader;
  std::vector<Bytes> got;
  for (uint8_t b : stream) {  // one byte at a time: the worst TCP can do
    reader.feed(ByteView(&b, 1));
    while (auto m = reader.next()) got.push_back(*m);
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(to_hex(got[0]), "04");
  EXPECT_EQ(to_hex(got[1]), "00a4040000");
  EXPECT_EQ(to_hex(got[2]), "00");
  EXPECT_EQ(reader.buffered(), 0u);
}

TEST(VpcdCodec, WaitsForTheRestOfAMessage) {
  VpcdFrameReader reader;
  reader.feed(
      *from_hex("0004"
                "0020"));
  EXPECT_FALSE(reader.next());
  reader.feed(
      *from_hex("0080"
                "00"));
  EXPECT_EQ(to_hex(*reader.next()), "00200080");
  EXPECT_FALSE(reader.next());  // the lone byte of the next length
  EXPECT_EQ(reader.buffered(), 1u);
}

}  // namespace
}  // namespace keydesk::sim
