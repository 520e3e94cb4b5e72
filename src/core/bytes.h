// Byte buffers and the small codecs every layer needs (hex, big-endian integers).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace keydesk {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

std::string to_hex(ByteView bytes, bool upper = false);
// Accepts upper/lower case, ignores spaces and colons; nullopt on any other character or odd length.
std::optional<Bytes> from_hex(std::string_view text);

inline Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }
inline std::string string_of(ByteView b) { return std::string(b.begin(), b.end()); }

inline void append(Bytes& out, ByteView more) { out.insert(out.end(), more.begin(), more.end()); }
inline void append_be16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
inline void append_be32(Bytes& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}
inline void append_be64(Bytes& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}
inline uint32_t read_be32(ByteView b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}
inline uint64_t read_be64(ByteView b) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | b[i];
  return v;
}

// Constant-time comparison for secrets (PINs, MACs, cryptograms).
bool equal_ct(ByteView a, ByteView b);
// Overwrites a buffer that held a secret before it is released.
void wipe(Bytes& b);

}  // namespace keydesk
