#include "iso7816/tlv.h"

namespace keydesk::iso7816 {

namespace {
Error malformed(const char* what) { return Error::make(ErrorKind::kMalformed, std::string("BER-TLV: ") + what); }

int tag_length(uint32_t tag) {
  if (tag > 0xFFFFFF) return 4;
  if (tag > 0xFFFF) return 3;
  if (tag > 0xFF) return 2;
  return 1;
}
}  // namespace

bool Tlv::constructed() const {
  const int n = tag_length(tag);
  const uint8_t first = static_cast<uint8_t>(tag >> (8 * (n - 1)));
  return (first & 0x20) != 0;
}

void append_tag(Bytes& out, uint32_t tag) {
  for (int i = tag_length(tag) - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(tag >> (8 * i)));
}

void append_length(Bytes& out, size_t length) {
  if (length < 0x80) {
    out.push_back(static_cast<uint8_t>(length));
  } else if (length <= 0xFF) {
    out.push_back(0x81);
    out.push_back(static_cast<uint8_t>(length));
  } else if (length <= 0xFFFF) {
    out.push_back(0x82);
    append_be16(out, static_cast<uint16_t>(length));
  } else {
    out.push_back(0x83);
    out.push_back(static_cast<uint8_t>(length >> 16));
    append_be16(out, static_cast<uint16_t>(length));
  }
}

void append_tlv(Bytes& out, uint32_t tag, ByteView value) {
  append_tag(out, tag);
  append_length(out, value.size());
  append(out, value);
}

Bytes encode_tlv(uint32_t tag, ByteView value) {
  Bytes out;
  append_tlv(out, tag, value);
  return out;
}

Result<Tlv> read_tlv(ByteView data, size_t& pos) {
  if (pos >= data.size()) return malformed("missing tag");
  uint32_t tag = data[pos++];
  if ((tag & 0x1F) == 0x1F) {
    int extra = 0;
    while (true) {
      if (pos >= data.size()) return malformed("truncated tag");
      if (++extra > 3) return malformed("tag longer than four bytes");
      const uint8_t b = data[pos++];
      tag = (tag << 8) | b;
      if ((b & 0x80) == 0) break;
    }
  }
  if (pos >= data.size()) return malformed("missing length");
  size_t length = data[pos++];
  if (length == 0x80) return malformed("indefinite length");
  if (length > 0x80) {
    const size_t n = length & 0x7F;
    if (n > 3) return malformed("length field longer than three bytes");
    if (pos + n > data.size()) return malformed("truncated length");
    length = 0;
    for (size_t i = 0; i < n; ++i) length = (length << 8) | data[pos++];
  }
  if (length > data.size() - pos) return malformed("value runs past the end");
  Tlv t;
  t.tag = tag;
  t.value.assign(data.begin() + static_cast<std::ptrdiff_t>(pos),
                 data.begin() + static_cast<std::ptrdiff_t>(pos + length));
  pos += length;
  return t;
}

Result<std::vector<Tlv>> parse_tlvs(ByteView data) {
  std::vector<Tlv> out;
  size_t pos = 0;
  while (pos < data.size()) {
    auto t = read_tlv(data, pos);
    if (!t) return t.error();
    out.push_back(std::move(t).value());
  }
  return out;
}

const Tlv* find_tlv(const std::vector<Tlv>& tlvs, uint32_t tag) {
  for (const auto& t : tlvs)
    if (t.tag == tag) return &t;
  return nullptr;
}

std::optional<Bytes> find_value(ByteView data, uint32_t tag) {
  auto parsed = parse_tlvs(data);
  if (!parsed) return std::nullopt;
  const Tlv* t = find_tlv(*parsed, tag);
  if (!t) return std::nullopt;
  return t->value;
}

}  // namespace keydesk::iso7816
