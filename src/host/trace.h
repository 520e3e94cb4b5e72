// The -v trace: every exchange on a token link as one line, with PINs, PUKs, keys and cryptograms masked
// by the one masking rule (protocol/masking.h), which follows the link's SELECTs to apply the selected
// applet's table. CTAP requests travel inside NFCCTAP APDUs and are masked by the CTAP table there.
#pragma once

#include <functional>
#include <string>

#include "host/apdu_connection.h"
#include "protocol/masking.h"

namespace keydesk::host {

// A decorator that sees every raw exchange on a link, whoever sends it (host sessions, libfido2's NFCCTAP
// bridge): counts what reached the token and, when a sink is set, traces each exchange masked. A command
// the inner transport refuses (the read-only guard) is traced as refused and not counted as sent.
class TracingTransport final : public transport::ApduTransport {
 public:
  using Sink = std::function<void(const std::string&)>;
  TracingTransport(transport::ApduTransport& inner, Sink sink) : inner_(inner), sink_(std::move(sink)) {}

  Result<Bytes> transmit(ByteView command) override;
  Bytes atr() const override { return inner_.atr(); }
  std::string name() const override { return inner_.name(); }
  Status begin_transaction() override { return inner_.begin_transaction(); }
  void end_transaction() override { inner_.end_transaction(); }

  uint64_t sent() const { return sent_; }
  uint64_t refused() const { return refused_; }

 private:
  transport::ApduTransport& inner_;
  Sink sink_;
  protocol::SelectionTracker selection_;
  uint64_t sent_ = 0;
  uint64_t refused_ = 0;
};

}  // namespace keydesk::host
