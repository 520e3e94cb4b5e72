// Template part of core/text.h.
#pragma once

#include "core/bytes.h"

namespace keydesk {

template <typename Json>
void put_text(Json& object, const std::string& key, std::string_view bytes) {
  if (is_valid_utf8(bytes)) {
    object[key] = std::string(bytes);
    return;
  }
  object[key] = utf8_replacing_invalid(bytes);
  object[key + "Hex"] = to_hex(ByteView(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), true);
}

}  // namespace keydesk
