#include "iso7816/apdu.h"

#include <cstdio>

namespace keydesk::iso7816 {

std::string StatusWord::hex() const {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04X", value);
  return buf;
}

Bytes CommandApdu::encode() const {
  Bytes out{cla, ins, p1, p2};
  const bool ext = extended || data.size() > 255 || ne > 256;
  if (!ext) {
    if (!data.empty()) {
      out.push_back(static_cast<uint8_t>(data.size()));
      append(out, data);
    }
    if (ne > 0) out.push_back(static_cast<uint8_t>(ne == 256 ? 0 : ne));
    return out;
  }
  if (!data.empty()) {
    out.push_back(0x00);
    append_be16(out, static_cast<uint16_t>(data.size()));
    append(out, data);
    if (ne > 0) append_be16(out, static_cast<uint16_t>(ne >= 65536 ? 0 : ne));
  } else if (ne > 0) {
    out.push_back(0x00);
    append_be16(out, static_cast<uint16_t>(ne >= 65536 ? 0 : ne));
  } else {
    // Case 1 has no extended form; ykman's "empty extended" command is hdr 00 00 00 (case 2E).
    out.insert(out.end(), {0x00, 0x00, 0x00});
  }
  return out;
}

Result<CommandApdu> parse_command(ByteView raw) {
  const Error wrong_length = Error::sw(sw::kWrongLength.value, "C-APDU");
  if (raw.size() < 4) return wrong_length;
  CommandApdu c{raw[0], raw[1], raw[2], raw[3], {}, 0, false};
  const size_t len = raw.size();
  if (len == 4) return c;  // case 1
  const uint8_t b4 = raw[4];
  if (len == 5) {  // case 2S
    c.ne = b4 == 0 ? 256 : b4;
    return c;
  }
  if (b4 != 0) {  // short Lc
    const size_t lc = b4;
    if (len == 5 + lc) {  // case 3S
      c.data.assign(raw.begin() + 5, raw.end());
      return c;
    }
    if (len == 6 + lc) {  // case 4S
      c.data.assign(raw.begin() + 5, raw.begin() + 5 + static_cast<std::ptrdiff_t>(lc));
      c.ne = raw[len - 1] == 0 ? 256 : raw[len - 1];
      return c;
    }
    return wrong_length;
  }
  // b4 == 0 and len > 5: extended length.
  c.extended = true;
  if (len == 7) {  // case 2E
    const size_t le = (size_t{raw[5]} << 8) | raw[6];
    c.ne = le == 0 ? 65536 : le;
    return c;
  }
  if (len < 8) return wrong_length;
  const size_t lc = (size_t{raw[5]} << 8) | raw[6];
  if (lc == 0) return wrong_length;
  if (len == 7 + lc) {  // case 3E
    c.data.assign(raw.begin() + 7, raw.end());
    return c;
  }
  if (len == 9 + lc) {  // case 4E
    c.data.assign(raw.begin() + 7, raw.begin() + 7 + static_cast<std::ptrdiff_t>(lc));
    const size_t le = (size_t{raw[len - 2]} << 8) | raw[len - 1];
    c.ne = le == 0 ? 65536 : le;
    return c;
  }
  return wrong_length;
}

Bytes ResponseApdu::encode() const {
  Bytes out = data;
  out.push_back(sw.sw1());
  out.push_back(sw.sw2());
  return out;
}

Result<ResponseApdu> parse_response(ByteView raw) {
  if (raw.size() < 2) return Error::make(ErrorKind::kMalformed, "R-APDU shorter than a status word");
  ResponseApdu r;
  r.data.assign(raw.begin(), raw.end() - 2);
  r.sw = StatusWord(static_cast<uint16_t>((raw[raw.size() - 2] << 8) | raw[raw.size() - 1]));
  return r;
}

}  // namespace keydesk::iso7816
