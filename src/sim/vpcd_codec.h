// The vsmartcard vpcd <-> vicc wire format (vsmartcard's vpcd protocol, as virtualsmartcard's vpcd.c implements it): every message in both directions is a
// 2-byte big-endian length and that many bytes. One-byte messages from vpcd are control codes, longer
// ones are what a PC/SC client transmitted (an APDU, or garbage the card must answer). Pure functions.
#pragma once

#include <cstdint>
#include <optional>

#include "core/bytes.h"
#include "core/result.h"

namespace keydesk::sim {

inline constexpr size_t kMaxVpcdPayload = 0xFFFF;

enum class VpcdRequestKind : uint8_t { kPowerOff, kPowerOn, kReset, kGetAtr, kApdu, kUnknown };

struct VpcdRequest {
  VpcdRequestKind kind = VpcdRequestKind::kUnknown;
  Bytes apdu;  // kApdu only
};

// What vpcd asks for in one message payload. Two or more bytes are a transmitted command (the card
// answers even a 2-byte one, with 6700); unknown control codes and empty payloads are kUnknown and get
// no reply, since vpcd waits for none.
VpcdRequest classify_vpcd_payload(ByteView payload);

// Frames a reply; kMalformed when the payload does not fit the 16-bit length.
Result<Bytes> frame_vpcd_message(ByteView payload);

// Reassembles messages from a byte stream that arrives in arbitrary pieces.
class VpcdFrameReader {
 public:
  void feed(ByteView bytes) { append(buffer_, bytes); }
  // The next complete payload, or nullopt until more bytes arrive.
  std::optional<Bytes> next();
  size_t buffered() const { return buffer_.size(); }

 private:
  Bytes buffer_;
};

}  // namespace keydesk::sim
