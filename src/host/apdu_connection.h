// Host side of ISO 7816-4 over any transport: splits long commands (chaining or extended length),
// collects 61xx response pieces with GET RESPONSE (or an applet's SEND REMAINING), and hands each
// exchange to an optional tracer (which masks secrets, see host/trace.h).
#pragma once

#include <functional>

#include "iso7816/apdu.h"
#include "transport/apdu_transport.h"

namespace keydesk::host {

using iso7816::CommandApdu;
using iso7816::ResponseApdu;
using iso7816::StatusWord;

enum class LengthMode {
  kShortChained,  // data > 255 bytes goes as CLA|0x10 chains of 255 bytes
  kExtended,      // one extended-length APDU
};

class ApduConnection {
 public:
  using Tracer = std::function<void(const CommandApdu&, const ResponseApdu&)>;

  explicit ApduConnection(transport::ApduTransport& transport) : transport_(transport) {}

  // Sends one logical command; the response holds the whole data and the final status word.
  // A status word is a result here, not an error: callers decide what 63Cx or 6A82 mean.
  Result<ResponseApdu> send(const CommandApdu& cmd);
  // Like send(), but a status word other than 9000 becomes Error::sw.
  Result<Bytes> send_ok(const CommandApdu& cmd, const char* context);

  // SELECT by AID (P2 = 00); returns the response (SW may be an error such as 6A82).
  Result<ResponseApdu> select(ByteView aid);

  void set_length_mode(LengthMode m) { mode_ = m; }
  void set_send_remaining_ins(uint8_t ins) { send_remaining_ins_ = ins; }
  void set_tracer(Tracer t) { tracer_ = std::move(t); }
  transport::ApduTransport& transport() { return transport_; }
  uint64_t apdu_count() const { return apdu_count_; }

 private:
  Result<ResponseApdu> exchange(const CommandApdu& cmd);

  transport::ApduTransport& transport_;
  LengthMode mode_ = LengthMode::kShortChained;
  uint8_t send_remaining_ins_ = 0xC0;
  Tracer tracer_;
  uint64_t apdu_count_ = 0;
};

}  // namespace keydesk::host
