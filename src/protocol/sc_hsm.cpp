#include "protocol/sc_hsm.h"

#include <cctype>

#include "iso7816/tlv.h"

namespace keydesk::protocol::sc_hsm {

const Instruction* find_instruction(uint8_t cla, uint8_t ins) {
  for (const auto& i : kInstructions)
    if (i.cla == cla && i.ins == ins) return &i;
  return nullptr;
}

Bytes encode_fcp(const AppletInfo& info, uint8_t applet_type) {
  Bytes proprietary;
  if (info.options) {
    proprietary.push_back(static_cast<uint8_t>(*info.options >> 8));
    proprietary.push_back(static_cast<uint8_t>(*info.options));
    proprietary.push_back(applet_type);
  }
  proprietary.push_back(info.major);
  proprietary.push_back(info.minor);
  Bytes inner;
  iso7816::append_tlv(inner, 0x82, Bytes{0x38});  // file descriptor: DF
  iso7816::append_tlv(inner, 0x85, proprietary);
  return iso7816::encode_tlv(0x62, inner);
}

std::optional<AppletInfo> parse_fcp(ByteView fcp) {
  auto outer = iso7816::find_value(fcp, 0x62);
  if (!outer) return std::nullopt;
  auto proprietary = iso7816::find_value(*outer, 0x85);
  if (!proprietary || proprietary->size() < 2) return std::nullopt;
  const Bytes& p = *proprietary;
  AppletInfo info;
  info.major = p[p.size() - 2];
  info.minor = p[p.size() - 1];
  // Version 2.0 and later put the options in front: [.., options lo, type, major, minor].
  if (p.size() >= 4)
    info.options = static_cast<uint16_t>((p.size() >= 5 ? p[p.size() - 5] << 8 : 0) | p[p.size() - 4]);
  return info;
}

std::optional<std::array<uint8_t, kSoPinBytes>> so_pin_from_hex(std::string_view text) {
  if (text.size() != kSoPinHexDigits) return std::nullopt;
  for (char c : text)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
  auto raw = from_hex(text);
  if (!raw || raw->size() != kSoPinBytes) return std::nullopt;
  std::array<uint8_t, kSoPinBytes> out{};
  std::copy(raw->begin(), raw->end(), out.begin());
  wipe(*raw);
  return out;
}

std::optional<std::string> certificate_holder_reference(ByteView cv) {
  ByteView certificate = cv;
  std::optional<Bytes> unwrapped;
  if (auto request = iso7816::find_value(cv, kTagAuthenticatedRequest)) {
    unwrapped = std::move(request);
    certificate = *unwrapped;
  }
  size_t pos = 0;
  auto first = iso7816::read_tlv(certificate, pos);
  if (!first || first->tag != kTagCvCertificate) return std::nullopt;
  auto body = iso7816::find_value(first->value, kTagCvBody);
  if (!body) return std::nullopt;
  auto chr = iso7816::find_value(*body, kTagChr);
  if (!chr || chr->empty()) return std::nullopt;
  for (uint8_t b : *chr)
    if (b < 0x20 || b > 0x7E) return std::nullopt;
  return std::string(chr->begin(), chr->end());
}

std::optional<std::string> device_serial(ByteView device_certificate) {
  auto chr = certificate_holder_reference(device_certificate);
  if (!chr || chr->size() < 8) return std::nullopt;
  return chr->substr(0, chr->size() - 5);
}

}  // namespace keydesk::protocol::sc_hsm
