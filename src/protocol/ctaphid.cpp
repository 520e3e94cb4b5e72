#include "protocol/ctaphid.h"

#include <algorithm>

namespace keydesk::protocol::ctaphid {

Bytes init_response(ByteView nonce, uint32_t channel, const std::array<uint8_t, 3>& device_version,
                    uint8_t capabilities) {
  Bytes reply(nonce.begin(), nonce.end());
  reply.resize(kNonceSize);
  append_be32(reply, channel);
  reply.push_back(kProtocolVersion);
  reply.insert(reply.end(), device_version.begin(), device_version.end());
  reply.push_back(capabilities);
  return reply;
}

std::vector<Packet> frame(uint32_t cid, uint8_t command, ByteView payload) {
  std::vector<Packet> out;
  Packet p{};
  Bytes head;
  append_be32(head, cid);
  head.push_back(static_cast<uint8_t>(command | kInitFlag));
  append_be16(head, static_cast<uint16_t>(payload.size()));
  std::copy(head.begin(), head.end(), p.begin());
  size_t n = std::min(payload.size(), kInitDataSize);
  std::copy_n(payload.begin(), n, p.begin() + kInitHeaderSize);
  out.push_back(p);
  for (uint8_t seq = 0; n < payload.size(); ++seq) {
    Packet c{};
    std::copy_n(head.begin(), 4, c.begin());
    c[4] = seq;
    const size_t chunk = std::min(payload.size() - n, kContinuationDataSize);
    std::copy_n(payload.begin() + static_cast<std::ptrdiff_t>(n), chunk, c.begin() + kContinuationHeaderSize);
    n += chunk;
    out.push_back(c);
  }
  return out;
}

Message::Step Message::start(ByteView report) {
  active_ = true;
  cid_ = channel_of(report);
  command_ = command_of(report);
  length_ = std::min(length_of(report), kMaxPayload);
  next_seq_ = 0;
  const size_t first = std::min(length_, kInitDataSize);
  data_.assign(report.begin() + kInitHeaderSize,
               report.begin() + static_cast<std::ptrdiff_t>(kInitHeaderSize + first));
  if (data_.size() < length_) return Step::kMore;
  active_ = false;
  return Step::kComplete;
}

Message::Step Message::add(ByteView report) {
  if (!active_ || channel_of(report) != cid_) return Step::kIgnored;
  if (report[4] != next_seq_) {
    active_ = false;
    return Step::kOutOfSequence;
  }
  const size_t chunk = std::min(length_ - data_.size(), kContinuationDataSize);
  data_.insert(data_.end(), report.begin() + kContinuationHeaderSize,
               report.begin() + static_cast<std::ptrdiff_t>(kContinuationHeaderSize + chunk));
  ++next_seq_;
  if (data_.size() < length_) return Step::kMore;
  active_ = false;
  return Step::kComplete;
}

}  // namespace keydesk::protocol::ctaphid
