#include "sim/vpcd_codec.h"

namespace keydesk::sim {
namespace {
constexpr size_t kLengthBytes = 2;
constexpr size_t kMinTransmitted = 2;
}  // namespace

VpcdRequest classify_vpcd_payload(ByteView payload) {
  if (payload.size() >= kMinTransmitted)
    return {VpcdRequestKind::kApdu, Bytes(payload.begin(), payload.end())};
  if (payload.empty()) return {VpcdRequestKind::kUnknown, {}};
  switch (payload[0]) {
    case 0x00:
      return {VpcdRequestKind::kPowerOff, {}};
    case 0x01:
      return {VpcdRequestKind::kPowerOn, {}};
    case 0x02:
      return {VpcdRequestKind::kReset, {}};
    case 0x04:
      return {VpcdRequestKind::kGetAtr, {}};
    default:
      return {VpcdRequestKind::kUnknown, {}};
  }
}

Result<Bytes> frame_vpcd_message(ByteView payload) {
  if (payload.size() > kMaxVpcdPayload)
    return Error::make(ErrorKind::kMalformed, "vpcd message of " + std::to_string(payload.size()) +
                                                  " bytes exceeds the 16-bit length");
  Bytes out;
  out.reserve(kLengthBytes + payload.size());
  append_be16(out, static_cast<uint16_t>(payload.size()));
  append(out, payload);
  return out;
}

std::optional<Bytes> VpcdFrameReader::next() {
  if (buffer_.size() < kLengthBytes) return std::nullopt;
  const size_t length = size_t{buffer_[0]} << 8 | buffer_[1];
  if (buffer_.size() < kLengthBytes + length) return std::nullopt;
  const auto begin = buffer_.begin() + static_cast<std::ptrdiff_t>(kLengthBytes);
  const auto end = begin + static_cast<std::ptrdiff_t>(length);
  Bytes payload(begin, end);
  buffer_.erase(buffer_.begin(), end);
  return payload;
}

}  // namespace keydesk::sim
