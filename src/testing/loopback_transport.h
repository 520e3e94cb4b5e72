// In-process transport: host sessions talk straight to a simulated Card, for fast hermetic tests.
#pragma once

#include "card/card.h"
#include "transport/apdu_transport.h"

namespace keydesk::testing {

class LoopbackTransport final : public transport::ApduTransport {
 public:
  explicit LoopbackTransport(card::Card& card) : card_(card) {}
  Result<Bytes> transmit(ByteView command) override { return card_.transmit(command); }
  Bytes atr() const override { return card_.atr(); }
  std::string name() const override { return "keydesk loopback"; }

 private:
  card::Card& card_;
};

}  // namespace keydesk::testing
