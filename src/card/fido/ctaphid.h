// CTAPHID, device side (CTAP 2.1 section 11.2), over the framing of protocol/ctaphid.h: channel allocation
// with INIT, one transaction at a time, the inter-packet timeout, and the commands the framing layer
// answers itself (INIT, PING, WINK, CANCEL). CBOR requests go to a handler. Pure and clock-driven, so
// tests and the fuzzer drive it directly.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "core/bytes.h"
#include "protocol/ctaphid.h"

namespace keydesk::card::fido::ctaphid {

// The framing (protocol/ctaphid.h), named here as well.
using protocol::ctaphid::Command;
using protocol::ctaphid::frame;
using protocol::ctaphid::HidError;
using protocol::ctaphid::kBroadcastCid;
using protocol::ctaphid::kCapabilityCbor;
using protocol::ctaphid::kCapabilityNoMsg;
using protocol::ctaphid::kCapabilityWink;
using protocol::ctaphid::kMaxPayload;
using protocol::ctaphid::kPacketSize;
using protocol::ctaphid::Packet;
using enum protocol::ctaphid::Command;

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
    protocol::ctaphid::Message message;
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
