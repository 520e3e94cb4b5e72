// The card unique identifier (CUID): IC fabricator || IC type || IC batch || IC serial, 10 bytes taken
// from the GlobalPlatform CPLC (GET DATA 9F7F). Card management systems key their records by it; so does
// keydesk's record store. Written as 20 upper-case hex digits.
#pragma once

#include <array>
#include <compare>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"

namespace keydesk::iso7816 {

class Cuid {
 public:
  static constexpr size_t kLength = 10;

  // 20 hex digits (either case; spaces and colons ignored as from_hex does); nullopt otherwise.
  static std::optional<Cuid> parse(std::string_view hex);
  // Exactly 10 bytes; nullopt otherwise.
  static std::optional<Cuid> from_bytes(ByteView bytes);

  std::string hex() const;  // 20 upper-case hex digits
  ByteView bytes() const { return bytes_; }
  auto operator<=>(const Cuid&) const = default;

 private:
  std::array<uint8_t, kLength> bytes_{};
};

}  // namespace keydesk::iso7816
