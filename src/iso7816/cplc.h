// GlobalPlatform Card Production Life Cycle data (GET DATA 9F7F) and the CUID derived from it.
#pragma once

#include <optional>
#include <string>

#include "core/bytes.h"
#include "core/result.h"
#include "iso7816/cuid.h"

namespace keydesk::iso7816 {

inline constexpr size_t kCplcLength = 42;

struct Cplc {
  Bytes raw;  // 42 bytes
  uint16_t ic_fabricator() const { return static_cast<uint16_t>(raw[0] << 8 | raw[1]); }
  uint16_t ic_type() const { return static_cast<uint16_t>(raw[2] << 8 | raw[3]); }
  uint32_t ic_serial() const { return read_be32(ByteView(raw).subspan(12, 4)); }
  uint16_t ic_batch() const { return static_cast<uint16_t>(raw[16] << 8 | raw[17]); }
  // CUID = IC fabricator || IC type || IC batch identifier || IC serial number (10 bytes),
  // the identifier card management systems key their records by.
  Cuid cuid() const;
  std::string cuid_hex() const { return cuid().hex(); }
};

// Accepts the GET DATA response with or without the 9F7F tag.
Result<Cplc> parse_cplc(ByteView response);
// The GET DATA response a card sends: 9F 7F 2A <42 bytes>.
Bytes encode_cplc_response(ByteView cplc);

}  // namespace keydesk::iso7816
