#include "core/text.h"

#include <cstdio>

#include "core/bytes.h"

namespace keydesk {
namespace {

// Length of the well-formed UTF-8 sequence at the start of `s` (Unicode 15, table 3-7), or 0 when the
// first byte does not start one; `valid_prefix` receives how many bytes form the maximal subpart of an
// ill-formed sequence (at least 1), which is what one U+FFFD replaces.
size_t sequence_length(std::string_view s, size_t& maximal_subpart) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  const uint8_t b0 = byte(0);
  maximal_subpart = 1;
  if (b0 < 0x80) return 1;
  size_t need = 0;
  uint8_t lo = 0x80, hi = 0xBF;  // range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  for (size_t i = 1; i < need; ++i) {
    if (i >= s.size()) return 0;
    const uint8_t b = byte(i);
    const bool ok = i == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
    if (!ok) return 0;
    maximal_subpart = i + 1;
  }
  return need;
}

uint32_t code_point(std::string_view s, size_t length) {
  const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(s[i])); };
  switch (length) {
    case 1:
      return byte(0);
    case 2:
      return ((byte(0) & 0x1F) << 6) | (byte(1) & 0x3F);
    case 3:
      return ((byte(0) & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) | (byte(2) & 0x3F);
    default:
      return ((byte(0) & 0x07) << 18) | ((byte(1) & 0x3F) << 12) | ((byte(2) & 0x3F) << 6) | (byte(3) & 0x3F);
  }
}

bool needs_escape(uint32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  size_t pos = 0, subpart = 0;
  while (pos < bytes.size()) {
    const size_t n = sequence_length(bytes.substr(pos), subpart);
    if (n == 0) return false;
    pos += n;
  }
  return true;
}

std::string utf8_replacing_invalid(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t pos = 0, subpart = 0;
  while (pos < bytes.size()) {
    const size_t n = sequence_length(bytes.substr(pos), subpart);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      pos += subpart;
    } else {
      out.append(bytes.substr(pos, n));
      pos += n;
    }
  }
  return out;
}

std::string terminal_text(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t pos = 0, subpart = 0;
  char buf[12];
  while (pos < bytes.size()) {
    const size_t n = sequence_length(bytes.substr(pos), subpart);
    if (n == 0) {
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<uint8_t>(bytes[pos]));
      out += buf;
      ++pos;  // byte by byte: every byte of an invalid sequence stays visible
      continue;
    }
    const uint32_t cp = code_point(bytes.substr(pos), n);
    if (needs_escape(cp)) {
      if (cp < 0x80)
        std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(cp));
      else
        std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(cp));
      out += buf;
    } else {
      out.append(bytes.substr(pos, n));
    }
    pos += n;
  }
  return out;
}

std::string quoted_text(std::string_view bytes) {
  return "'" + terminal_text(bytes) + "'";
}

nlohmann::json state_text(std::string_view bytes) {
  if (is_valid_utf8(bytes)) return std::string(bytes);
  return nlohmann::json{
      {"hex", to_hex(ByteView(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()))}};
}

std::optional<std::string> state_text_bytes(const nlohmann::json& value) {
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (!is_valid_utf8(s)) return std::nullopt;  // a parsed JSON string always is; belt and braces
    return s;
  }
  if (!value.is_object() || value.size() != 1 || !value.contains("hex") || !value["hex"].is_string())
    return std::nullopt;
  auto raw = from_hex(value["hex"].get_ref<const std::string&>());
  if (!raw) return std::nullopt;
  std::string bytes = string_of(*raw);
  if (is_valid_utf8(bytes)) return std::nullopt;
  return bytes;
}

}  // namespace keydesk
