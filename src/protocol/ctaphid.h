// CTAPHID framing (CTAP 2.1 section 11.2), written down once for both ends: 64-byte reports, an init
// packet (CID, CMD | 0x80, BCNT, data) followed by continuation packets (CID, SEQ, data), the command
// bytes, the error codes, and the reassembly of one message. keydesk-sim's device side (card/fido) and
// the host's report links under libfido2 (host/fido) both use it. Pure: tests and fuzzers drive it.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/bytes.h"

namespace keydesk::protocol::ctaphid {

inline constexpr size_t kPacketSize = 64;
inline constexpr size_t kInitHeaderSize = 7;
inline constexpr size_t kContinuationHeaderSize = 5;
inline constexpr size_t kInitDataSize = kPacketSize - kInitHeaderSize;
inline constexpr size_t kContinuationDataSize = kPacketSize - kContinuationHeaderSize;
inline constexpr size_t kMaxPayload = kInitDataSize + 128 * kContinuationDataSize;  // 7609
inline constexpr uint32_t kBroadcastCid = 0xFFFFFFFF;
inline constexpr uint8_t kInitFlag = 0x80;
inline constexpr size_t kNonceSize = 8;         // INIT request
inline constexpr uint8_t kProtocolVersion = 2;  // INIT response

using Packet = std::array<uint8_t, kPacketSize>;

enum Command : uint8_t {
  kPing = 0x01,
  kMsg = 0x03,
  kLock = 0x04,
  kInit = 0x06,
  kWink = 0x08,
  kCbor = 0x10,
  kCancel = 0x11,
  kKeepalive = 0x3B,
  kError = 0x3F,
};

// Payload of an ERROR response.
enum class HidError : uint8_t {
  kInvalidCmd = 0x01,
  kInvalidPar = 0x02,
  kInvalidLen = 0x03,
  kInvalidSeq = 0x04,
  kMsgTimeout = 0x05,
  kChannelBusy = 0x06,
  kInvalidChannel = 0x0B,
  kOther = 0x7F,
};

// Capabilities flags of the INIT response.
inline constexpr uint8_t kCapabilityWink = 0x01;
inline constexpr uint8_t kCapabilityCbor = 0x04;
inline constexpr uint8_t kCapabilityNoMsg = 0x08;

// The payload of an INIT response (CTAP 2.1 section 11.2.9.1.3): the request's 8-byte nonce, the channel
// granted, the CTAPHID protocol version, the device version (major, minor, build) and the capabilities.
Bytes init_response(ByteView nonce, uint32_t channel, const std::array<uint8_t, 3>& device_version,
                    uint8_t capabilities);

// Splits one message into an init packet and continuation packets (zero-filled).
std::vector<Packet> frame(uint32_t cid, uint8_t command, ByteView payload);

// The fields of a report (exactly kPacketSize bytes).
inline uint32_t channel_of(ByteView report) {
  return read_be32(report);
}
inline bool is_init(ByteView report) {
  return (report[4] & kInitFlag) != 0;
}
inline uint8_t command_of(ByteView init_report) {
  return static_cast<uint8_t>(init_report[4] & ~kInitFlag);
}
inline size_t length_of(ByteView init_report) {
  return (size_t{init_report[5]} << 8) | init_report[6];
}

// One message being reassembled from its init packet and continuation packets, which must come on the
// same channel with sequence numbers 0, 1, 2, ...
class Message {
 public:
  enum class Step {
    kIgnored,        // a continuation packet with no message in progress on its channel
    kMore,           // the message needs more continuation packets
    kComplete,       // payload() holds the whole message
    kOutOfSequence,  // a continuation packet out of order: the message is dropped
  };
  // An init packet (its length at most kMaxPayload) starts a message, replacing any in progress.
  Step start(ByteView init_report);
  Step add(ByteView continuation_report);
  void reset() { active_ = false; }

  bool active() const { return active_; }
  uint32_t cid() const { return cid_; }
  uint8_t command() const { return command_; }
  const Bytes& payload() const { return data_; }

 private:
  bool active_ = false;
  uint32_t cid_ = 0;
  uint8_t command_ = 0;
  size_t length_ = 0;
  uint8_t next_seq_ = 0;
  Bytes data_;
};

}  // namespace keydesk::protocol::ctaphid
