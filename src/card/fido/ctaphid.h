// CTAPHID framing, device side (CTAP 2.1 section 11.2): 64-byte reports, channel allocation with INIT,
// reassembly of init + continuation packets with sequence checks, one transaction at a time, the
// inter-packet timeout, and the commands the framing layer answers itself (INIT, PING, WINK, CANCEL).
// CBOR requests go to a handler. Pure and clock-driven, so tests and the fuzzer drive it directly.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "core/bytes.h"

namespace keydesk::card::fido::ctaphid {

inline constexpr size_t kPacketSize = 64;
inline constexpr size_t kInitDataSize = kPacketSize - 7;
inline constexpr size_t kContinuationDataSize = kPacketSize - 5;
inline constexpr size_t kMaxPayload = kInitDataSize + 128 * kContinuationDataSize;  // 7609
inline constexpr uint32_t kBroadcastCid = 0xFFFFFFFF;

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

// Splits one message into an init packet and continuation packets (zero-filled).
std::vector<Packet> frame(uint32_t cid, uint8_t command, ByteView payload);

struct Response {
  uint32_t cid;
  std::vector<Packet> packets;
};

class CtaphidDevice {
 public:
  using Clock = std::chrono::steady_clock;
  // A CTAP request (command byte + CBOR) in, status byte + CBOR out.
  using CborHandler = std::function<Bytes(ByteView request)>;
  // A CTAP1/U2F request message (an APDU) in, response data || SW out (CTAPHID_MSG).
  using MsgHandler = std::function<Bytes(ByteView request)>;
  // Longest pause between the packets of one message before the transaction is abandoned.
  static constexpr std::chrono::milliseconds kTransactionTimeout{750};

  // `capabilities` is the INIT response's flags byte; MSG is served only when NMSG is clear and a
  // `msg_handler` is given.
  CtaphidDevice(CborHandler handler, std::array<uint8_t, 3> device_version,
                uint8_t capabilities = kCapabilityWink | kCapabilityCbor | kCapabilityNoMsg,
                MsgHandler msg_handler = {})
      : handler_(std::move(handler)),
        msg_handler_(std::move(msg_handler)),
        version_(device_version),
        capabilities_(capabilities) {}

  // One report from the host (exactly 64 bytes; anything else is dropped as a USB stack would).
  // Returns the response, if this packet completed a message or caused an error.
  std::optional<Response> receive(ByteView report, Clock::time_point now);
  // Abandons a transaction whose next packet is overdue, answering MSG_TIMEOUT on its channel.
  std::optional<Response> expire(Clock::time_point now);
  bool busy() const { return transaction_.has_value(); }

 private:
  struct Transaction {
    uint32_t cid;
    uint8_t command;
    size_t length;
    Bytes data;
    uint8_t next_seq = 0;
    Clock::time_point last_packet;
  };

  bool allocated(uint32_t cid) const { return cid != 0 && cid != kBroadcastCid && cid < next_cid_; }
  std::optional<Response> receive_init(uint32_t cid, ByteView report, Clock::time_point now);
  std::optional<Response> receive_continuation(uint32_t cid, ByteView report, Clock::time_point now);
  Response execute(uint32_t cid, uint8_t command, ByteView payload);
  static Response error(uint32_t cid, HidError e);

  CborHandler handler_;
  MsgHandler msg_handler_;
  std::array<uint8_t, 3> version_;
  uint8_t capabilities_;
  uint32_t next_cid_ = 1;
  std::optional<Transaction> transaction_;
};

}  // namespace keydesk::card::fido::ctaphid
