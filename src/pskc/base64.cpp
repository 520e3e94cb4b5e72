#include "pskc/base64.h"

#include <openssl/crypto.h>

#include <array>

namespace keydesk::pskc {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> make_table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (size_t i = 0; i < kAlphabet.size(); ++i)
    t[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr auto kTable = make_table();

bool is_xml_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

template <typename Out>
std::optional<Out> decode(std::string_view text) {
  // Collect the significant characters first; XML line-wraps long values (RFC 6030 figures do).
  std::string compact;
  compact.reserve(text.size());
  // A PlainValue secret's text is the secret: wipe the working copy whatever the outcome.
  struct Wipe {
    std::string& s;
    ~Wipe() { OPENSSL_cleanse(s.data(), s.capacity()); }
  } wipe_compact{compact};
  for (char c : text)
    if (!is_xml_space(c)) compact.push_back(c);
  if (compact.size() % 4 != 0) return std::nullopt;
  size_t pad = 0;
  if (!compact.empty() && compact.back() == '=')
    pad = (compact.size() >= 2 && compact[compact.size() - 2] == '=') ? 2 : 1;
  Out out;
  out.reserve(compact.size() / 4 * 3);
  for (size_t i = 0; i < compact.size(); i += 4) {
    const bool last = i + 4 == compact.size();
    uint32_t v = 0;
    for (size_t j = 0; j < 4; ++j) {
      const char c = compact[i + j];
      int8_t d = 0;
      if (c == '=') {
        if (!last || j < 4 - pad) return std::nullopt;  // '=' only as trailing padding
      } else {
        d = kTable[static_cast<uint8_t>(c)];
        if (d < 0) return std::nullopt;
      }
      v = (v << 6) | static_cast<uint32_t>(d);
    }
    out.push_back(static_cast<uint8_t>(v >> 16));
    if (!last || pad < 2) out.push_back(static_cast<uint8_t>(v >> 8));
    if (!last || pad < 1) out.push_back(static_cast<uint8_t>(v));
    // Canonical encoding: the bits dropped by padding must be zero (xs:base64Binary's lexical rule).
    if (last && pad == 1 && (v & 0xFF) != 0) return std::nullopt;
    if (last && pad == 2 && (v & 0xFFFF) != 0) return std::nullopt;
  }
  return out;
}

}  // namespace

std::optional<Bytes> base64_decode(std::string_view text) {
  return decode<Bytes>(text);
}
std::optional<SecureBytes> base64_decode_secure(std::string_view text) {
  return decode<SecureBytes>(text);
}

std::string base64_encode(ByteView bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t v = uint32_t{bytes[i]} << 16;
    if (n > 1) v |= uint32_t{bytes[i + 1]} << 8;
    if (n > 2) v |= bytes[i + 2];
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(n > 1 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back(n > 2 ? kAlphabet[v & 63] : '=');
  }
  return out;
}

}  // namespace keydesk::pskc
