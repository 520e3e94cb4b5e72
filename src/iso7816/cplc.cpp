#include "iso7816/cplc.h"

namespace keydesk::iso7816 {

Cuid Cplc::cuid() const {
  Bytes out(raw.begin(), raw.begin() + 4);
  out.insert(out.end(), raw.begin() + 16, raw.begin() + 18);
  out.insert(out.end(), raw.begin() + 12, raw.begin() + 16);
  return *Cuid::from_bytes(out);  // 10 bytes by construction: raw is 42 bytes (parse_cplc checks)
}

Result<Cplc> parse_cplc(ByteView response) {
  ByteView body = response;
  if (body.size() == kCplcLength + 3 && body[0] == 0x9F && body[1] == 0x7F && body[2] == kCplcLength)
    body = body.subspan(3);
  if (body.size() != kCplcLength)
    return Error::make(ErrorKind::kMalformed,
                       "CPLC data must be 42 bytes, got " + std::to_string(body.size()));
  return Cplc{Bytes(body.begin(), body.end())};
}

Bytes encode_cplc_response(ByteView cplc) {
  Bytes out{0x9F, 0x7F, static_cast<uint8_t>(cplc.size())};
  append(out, cplc);
  return out;
}

}  // namespace keydesk::iso7816
