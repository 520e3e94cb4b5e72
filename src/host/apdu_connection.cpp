#include "host/apdu_connection.h"

namespace keydesk::host {

Result<ResponseApdu> ApduConnection::exchange(const CommandApdu& cmd) {
  auto raw = transport_.transmit(cmd.encode());
  ++apdu_count_;
  if (!raw) return raw.error();
  auto r = iso7816::parse_response(*raw);
  if (!r) return r.error();
  if (tracer_) tracer_(cmd, *r);
  return r;
}

Result<ResponseApdu> ApduConnection::send(const CommandApdu& cmd) {
  ResponseApdu last;
  if (cmd.data.size() > 255 && mode_ == LengthMode::kShortChained) {
    size_t offset = 0;
    while (cmd.data.size() - offset > 255) {
      CommandApdu part = cmd;
      part.cla = static_cast<uint8_t>(cmd.cla | 0x10);
      part.data.assign(cmd.data.begin() + static_cast<std::ptrdiff_t>(offset),
                       cmd.data.begin() + static_cast<std::ptrdiff_t>(offset + 255));
      part.ne = 0;
      auto r = exchange(part);
      if (!r) return r.error();
      if (!r->sw.ok()) return r;
      offset += 255;
    }
    CommandApdu tail = cmd;
    tail.data.assign(cmd.data.begin() + static_cast<std::ptrdiff_t>(offset), cmd.data.end());
    auto r = exchange(tail);
    if (!r) return r.error();
    last = std::move(r).value();
  } else {
    CommandApdu whole = cmd;
    whole.extended = whole.extended || mode_ == LengthMode::kExtended;
    auto r = exchange(whole);
    if (!r) return r.error();
    last = std::move(r).value();
  }
  Bytes data = std::move(last.data);
  while (last.sw.more_data()) {
    auto more = exchange(CommandApdu::make(0x00, send_remaining_ins_, 0x00, 0x00, {}, 256));
    if (!more) return more.error();
    append(data, more->data);
    last = std::move(more).value();
  }
  return ResponseApdu{std::move(data), last.sw};
}

Result<Bytes> ApduConnection::send_ok(const CommandApdu& cmd, const char* context) {
  auto r = send(cmd);
  if (!r) return r.error();
  if (!r->sw.ok()) return Error::sw(r->sw.value, context);
  return std::move(r->data);
}

Result<ResponseApdu> ApduConnection::select(ByteView aid) {
  return send(CommandApdu::make(0x00, 0xA4, 0x04, 0x00, Bytes(aid.begin(), aid.end()), 256));
}

}  // namespace keydesk::host
