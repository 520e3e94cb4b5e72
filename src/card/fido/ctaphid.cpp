#include "card/fido/ctaphid.h"

#include <algorithm>

namespace keydesk::card::fido::ctaphid {
namespace {
constexpr uint8_t kInitFlag = 0x80;
constexpr size_t kNonceSize = 8;
constexpr uint8_t kCtaphidProtocolVersion = 2;
}  // namespace

std::vector<Packet> frame(uint32_t cid, uint8_t command, ByteView payload) {
  std::vector<Packet> out;
  Packet p{};
  Bytes head;
  append_be32(head, cid);
  head.push_back(static_cast<uint8_t>(command | kInitFlag));
  append_be16(head, static_cast<uint16_t>(payload.size()));
  std::copy(head.begin(), head.end(), p.begin());
  size_t n = std::min(payload.size(), kInitDataSize);
  std::copy_n(payload.begin(), n, p.begin() + 7);
  out.push_back(p);
  for (uint8_t seq = 0; n < payload.size(); ++seq) {
    Packet c{};
    std::copy_n(head.begin(), 4, c.begin());
    c[4] = seq;
    const size_t chunk = std::min(payload.size() - n, kContinuationDataSize);
    std::copy_n(payload.begin() + static_cast<std::ptrdiff_t>(n), chunk, c.begin() + 5);
    n += chunk;
    out.push_back(c);
  }
  return out;
}

Response CtaphidDevice::error(uint32_t cid, HidError e) {
  const uint8_t code = static_cast<uint8_t>(e);
  return {cid, frame(cid, kError, ByteView(&code, 1))};
}

std::optional<Response> CtaphidDevice::receive(ByteView report, Clock::time_point now) {
  if (report.size() != kPacketSize) return std::nullopt;
  const uint32_t cid = read_be32(report);
  if (report[4] & kInitFlag) return receive_init(cid, report, now);
  return receive_continuation(cid, report, now);
}

std::optional<Response> CtaphidDevice::receive_init(uint32_t cid, ByteView report, Clock::time_point now) {
  const uint8_t command = report[4] & static_cast<uint8_t>(~kInitFlag);
  const size_t length = (size_t{report[5]} << 8) | report[6];
  if (transaction_) {
    if (transaction_->cid != cid) return error(cid, HidError::kChannelBusy);
    transaction_.reset();
    // INIT on the channel in progress resynchronizes it; anything else breaks the sequence.
    if (command != kInit) return error(cid, HidError::kInvalidSeq);
  }
  if (cid == 0 || (cid == kBroadcastCid && command != kInit) || (cid != kBroadcastCid && !allocated(cid)))
    return error(cid, HidError::kInvalidChannel);
  if (length > kMaxPayload) return error(cid, HidError::kInvalidLen);
  const size_t first = std::min(length, kInitDataSize);
  Transaction t{cid,    command,
                length, Bytes(report.begin() + 7, report.begin() + 7 + static_cast<std::ptrdiff_t>(first)),
                0,      now};
  if (t.data.size() == length) return execute(cid, command, t.data);
  transaction_ = std::move(t);
  return std::nullopt;
}

std::optional<Response> CtaphidDevice::receive_continuation(uint32_t cid, ByteView report,
                                                            Clock::time_point now) {
  if (!transaction_ || transaction_->cid != cid) return std::nullopt;  // spurious: ignored
  Transaction& t = *transaction_;
  if (report[4] != t.next_seq) {
    transaction_.reset();
    return error(cid, HidError::kInvalidSeq);
  }
  const size_t chunk = std::min(t.length - t.data.size(), kContinuationDataSize);
  t.data.insert(t.data.end(), report.begin() + 5, report.begin() + 5 + static_cast<std::ptrdiff_t>(chunk));
  ++t.next_seq;
  t.last_packet = now;
  if (t.data.size() < t.length) return std::nullopt;
  Transaction done = std::move(t);
  transaction_.reset();
  return execute(done.cid, done.command, done.data);
}

std::optional<Response> CtaphidDevice::expire(Clock::time_point now) {
  if (!transaction_ || now - transaction_->last_packet <= kTransactionTimeout) return std::nullopt;
  const uint32_t cid = transaction_->cid;
  transaction_.reset();
  return error(cid, HidError::kMsgTimeout);
}

Response CtaphidDevice::execute(uint32_t cid, uint8_t command, ByteView payload) {
  switch (command) {
    case kInit: {
      if (payload.size() != kNonceSize) return error(cid, HidError::kInvalidLen);
      const uint32_t channel = cid == kBroadcastCid ? next_cid_++ : cid;
      Bytes reply(payload.begin(), payload.end());
      append_be32(reply, channel);
      reply.push_back(kCtaphidProtocolVersion);
      append(reply, version_);
      reply.push_back(capabilities_);
      return {cid, frame(cid, kInit, reply)};
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
