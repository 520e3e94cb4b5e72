#include "iso7816/cuid.h"

#include <algorithm>

namespace keydesk::iso7816 {

std::optional<Cuid> Cuid::from_bytes(ByteView bytes) {
  if (bytes.size() != kLength) return std::nullopt;
  Cuid c;
  std::copy(bytes.begin(), bytes.end(), c.bytes_.begin());
  return c;
}

std::optional<Cuid> Cuid::parse(std::string_view hex) {
  auto bytes = from_hex(hex);
  if (!bytes) return std::nullopt;
  return from_bytes(*bytes);
}

std::string Cuid::hex() const {
  return to_hex(bytes_, true);
}

}  // namespace keydesk::iso7816
