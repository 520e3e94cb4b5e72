// CTAPHID framing: channel allocation, reassembly, and the CTAP1 errors for broken framing.
#include "card/fido/ctaphid.h"

#include <gtest/gtest.h>

namespace keydesk::card::fido::ctaphid {
namespace {

using Clock = CtaphidDevice::Clock;

class CtaphidTest : public ::testing::Test {
 protected:
  CtaphidTest()
      : device(
            [this](ByteView request) {
              requests.emplace_back(request.begin(), request.end());
              return Bytes{0x00, 0xA0};
            },
            {5, 4, 3}) {}

  std::optional<Response> send(const Packet& p) { return device.receive(p, now); }

  // INIT on the broadcast channel; returns the allocated CID.
  uint32_t allocate() {
    const Bytes nonce{1, 2, 3, 4, 5, 6, 7, 8};
    auto r = send(frame(kBroadcastCid, kInit, nonce).at(0));
    EXPECT_TRUE(r.has_value());
    const Packet& p = r->packets.at(0);
    EXPECT_EQ(p[4], 0x80 | kInit);
    EXPECT_TRUE(std::equal(nonce.begin(), nonce.end(), p.begin() + 7));
    EXPECT_EQ(p[7 + 12], 2) << "CTAPHID protocol version";
    EXPECT_EQ(p[7 + 16], kCapabilityWink | kCapabilityCbor | kCapabilityNoMsg);
    return read_be32(ByteView(p).subspan(7 + 8, 4));
  }

  static uint8_t error_code(const Response& r) {
    EXPECT_EQ(r.packets.at(0)[4], 0x80 | kError);
    return r.packets.at(0)[7];
  }

  std::vector<Bytes> requests;
  CtaphidDevice device;
  Clock::time_point now = Clock::now();
};

TEST_F(CtaphidTest, ReassemblesAMultiPacketCborRequest) {
  const uint32_t cid = allocate();
  Bytes payload(200);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<uint8_t>(i);
  const auto packets = frame(cid, kCbor, payload);
  ASSERT_EQ(packets.size(), 4u);
  for (size_t i = 0; i + 1 < packets.size(); ++i) EXPECT_FALSE(send(packets[i]).has_value());
  auto r = send(packets.back());
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0], payload);
  EXPECT_EQ(r->packets.at(0)[4], 0x80 | kCbor);
  EXPECT_EQ(r->packets.at(0)[6], 2);  // length of {00 A0}
}

TEST_F(CtaphidTest, PingEchoesAcrossPackets) {
  const uint32_t cid = allocate();
  const Bytes payload(150, 0x5A);
  std::optional<Response> r;
  for (const auto& p : frame(cid, kPing, payload)) r = send(p);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->packets, frame(cid, kPing, payload));
}

TEST_F(CtaphidTest, OutOfOrderContinuationIsInvalidSeq) {
  const uint32_t cid = allocate();
  auto packets = frame(cid, kCbor, Bytes(200, 0x04));
  send(packets[0]);
  auto r = send(packets[2]);  // seq 1 where 0 was due
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(error_code(*r), static_cast<uint8_t>(HidError::kInvalidSeq));
  EXPECT_TRUE(requests.empty());
  EXPECT_FALSE(device.busy());
}

TEST_F(CtaphidTest, OtherChannelWhileBusyIsChannelBusyAndSpuriousContinuationsAreIgnored) {
  const uint32_t a = allocate();
  const uint32_t b = allocate();
  EXPECT_NE(a, b);
  auto packets = frame(a, kCbor, Bytes(100, 0x04));
  send(packets[0]);
  auto busy = send(frame(b, kCbor, Bytes{0x04}).at(0));
  ASSERT_TRUE(busy.has_value());
  EXPECT_EQ(busy->cid, b);
  EXPECT_EQ(error_code(*busy), static_cast<uint8_t>(HidError::kChannelBusy));
  Packet stray = packets[1];
  stray[3] ^= 0x01;  // a continuation on a channel that has no transaction
  EXPECT_FALSE(send(stray).has_value());
  EXPECT_TRUE(send(packets[1]).has_value()) << "the first channel's message still completes";
  EXPECT_EQ(requests.size(), 1u);
}

TEST_F(CtaphidTest, UnallocatedOrBroadcastChannelsAreRefused) {
  auto r = send(frame(0x12345678, kCbor, Bytes{0x04}).at(0));
  EXPECT_EQ(error_code(*r), static_cast<uint8_t>(HidError::kInvalidChannel));
  r = send(frame(kBroadcastCid, kCbor, Bytes{0x04}).at(0));
  EXPECT_EQ(error_code(*r), static_cast<uint8_t>(HidError::kInvalidChannel));
  EXPECT_TRUE(requests.empty());
}

TEST_F(CtaphidTest, OversizedAndTruncatedMessages) {
  const uint32_t cid = allocate();
  Packet p = frame(cid, kCbor, Bytes{0x04}).at(0);
  p[5] = 0xFF;  // 0xFF01 bytes > 7609
  EXPECT_EQ(error_code(*send(p)), static_cast<uint8_t>(HidError::kInvalidLen));
  EXPECT_EQ(error_code(*send(frame(cid, kCbor, {}).at(0))), static_cast<uint8_t>(HidError::kInvalidLen));
  EXPECT_EQ(error_code(*send(frame(cid, kInit, Bytes{1, 2, 3}).at(0))),
            static_cast<uint8_t>(HidError::kInvalidLen));
  // A message whose continuation never comes times out.
  send(frame(cid, kCbor, Bytes(100, 0x04)).at(0));
  EXPECT_FALSE(device.expire(now + std::chrono::milliseconds(100)).has_value());
  auto timeout = device.expire(now + std::chrono::seconds(1));
  ASSERT_TRUE(timeout.has_value());
  EXPECT_EQ(error_code(*timeout), static_cast<uint8_t>(HidError::kMsgTimeout));
  EXPECT_TRUE(requests.empty());
  // Short reports are dropped like a HID stack would.
  EXPECT_FALSE(device.receive(Bytes(10, 0xFF), now).has_value());
}

TEST_F(CtaphidTest, MsgIsNotImplementedAndCancelIsNeverAnswered) {
  const uint32_t cid = allocate();
  EXPECT_EQ(error_code(*send(frame(cid, kMsg, Bytes{0x00, 0x03, 0x00, 0x00}).at(0))),
            static_cast<uint8_t>(HidError::kInvalidCmd));
  auto cancel = send(frame(cid, kCancel, {}).at(0));
  ASSERT_TRUE(cancel.has_value());
  EXPECT_TRUE(cancel->packets.empty());
}

}  // namespace
}  // namespace keydesk::card::fido::ctaphid
