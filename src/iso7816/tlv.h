// BER-TLV (ISO 7816-4 / X.690 subset): multi-byte tags, definite lengths up to 4 bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace keydesk::iso7816 {

struct Tlv {
  uint32_t tag = 0;  // the tag bytes as a big-endian number, e.g. 0x5FC102, 0x7F49, 0x53
  Bytes value;

  bool constructed() const;
};

// Encodes one TLV with the shortest length form.
Bytes encode_tlv(uint32_t tag, ByteView value);
void append_tlv(Bytes& out, uint32_t tag, ByteView value);
void append_tag(Bytes& out, uint32_t tag);
void append_length(Bytes& out, size_t length);

// Reads one TLV at `pos` and advances it. Malformed on truncation, over-long length or bad tag.
Result<Tlv> read_tlv(ByteView data, size_t& pos);
// Parses a whole buffer as a sequence of TLVs (trailing garbage is malformed).
Result<std::vector<Tlv>> parse_tlvs(ByteView data);
// Finds the first TLV with `tag` in a parsed list.
const Tlv* find_tlv(const std::vector<Tlv>& tlvs, uint32_t tag);
// Convenience: parse `data`, return the value of the first `tag` (nullopt if absent or malformed).
std::optional<Bytes> find_value(ByteView data, uint32_t tag);

}  // namespace keydesk::iso7816
