#include "card/fido/ctaphid.h"

#include <algorithm>

namespace keydesk::card::fido::ctaphid {
namespace {
using protocol::ctaphid::Message;
}  // namespace

Response CtaphidDevice::error(uint32_t cid, HidError e) {
  const uint8_t code = static_cast<uint8_t>(e);
  return {cid, frame(cid, kError, ByteView(&code, 1))};
}

std::optional<Response> CtaphidDevice::receive(ByteView report, Clock::time_point now) {
  if (report.size() != kPacketSize) return std::nullopt;
  const uint32_t cid = protocol::ctaphid::channel_of(report);
  if (protocol::ctaphid::is_init(report)) return receive_init(cid, report, now);
  return receive_continuation(cid, report, now);
}

std::optional<Response> CtaphidDevice::receive_init(uint32_t cid, ByteView report, Clock::time_point now) {
  const uint8_t command = protocol::ctaphid::command_of(report);
  if (transaction_) {
    if (transaction_->message.cid() != cid) return error(cid, HidError::kChannelBusy);
    transaction_.reset();
    // INIT on the channel in progress resynchronizes it; anything else breaks the sequence.
    if (command != kInit) return error(cid, HidError::kInvalidSeq);
  }
  if (cid == 0 || (cid == kBroadcastCid && command != kInit) || (cid != kBroadcastCid && !allocated(cid)))
    return error(cid, HidError::kInvalidChannel);
  if (protocol::ctaphid::length_of(report) > kMaxPayload) return error(cid, HidError::kInvalidLen);
  Transaction t{{}, now};
  if (t.message.start(report) == Message::Step::kComplete) return execute(cid, command, t.message.payload());
  transaction_ = std::move(t);
  return std::nullopt;
}

std::optional<Response> CtaphidDevice::receive_continuation(uint32_t cid, ByteView report,
                                                            Clock::time_point now) {
  if (!transaction_) return std::nullopt;  // spurious: ignored
  switch (transaction_->message.add(report)) {
    case Message::Step::kIgnored:  // another channel's
      return std::nullopt;
    case Message::Step::kOutOfSequence:
      transaction_.reset();
      return error(cid, HidError::kInvalidSeq);
    case Message::Step::kMore:
      transaction_->last_packet = now;
      return std::nullopt;
    case Message::Step::kComplete:
      break;
  }
  Transaction done = std::move(*transaction_);
  transaction_.reset();
  return execute(done.message.cid(), done.message.command(), done.message.payload());
}

std::optional<Response> CtaphidDevice::expire(Clock::time_point now) {
  if (!transaction_ || now - transaction_->last_packet <= kTransactionTimeout) return std::nullopt;
  const uint32_t cid = transaction_->message.cid();
  transaction_.reset();
  return error(cid, HidError::kMsgTimeout);
}

Response CtaphidDevice::execute(uint32_t cid, uint8_t command, ByteView payload) {
  switch (command) {
    case kInit: {
      if (payload.size() != protocol::ctaphid::kNonceSize) return error(cid, HidError::kInvalidLen);
      const uint32_t channel = cid == kBroadcastCid ? next_cid_++ : cid;
      return {cid,
              frame(cid, kInit, protocol::ctaphid::init_response(payload, channel, version_, capabilities_))};
    }
    case kPing:
      return {cid, frame(cid, kPing, payload)};
    case kWink:
      return {cid, frame(cid, kWink, {})};
    case kCancel:
      // Requests complete before the next packet is read, so nothing is ever outstanding to cancel;
      // CANCEL is never answered.
      return {cid, {}};
    case kCbor:
      if (payload.empty()) return error(cid, HidError::kInvalidLen);
      return {cid, frame(cid, kCbor, handler_(payload))};
    case kMsg:
      if ((capabilities_ & kCapabilityNoMsg) || !msg_handler_) return error(cid, HidError::kInvalidCmd);
      if (payload.empty()) return error(cid, HidError::kInvalidLen);
      return {cid, frame(cid, kMsg, msg_handler_(payload))};
    default:  // LOCK (not offered), vendor commands
      return error(cid, HidError::kInvalidCmd);
  }
}

}  // namespace keydesk::card::fido::ctaphid
