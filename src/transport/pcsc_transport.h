// ApduTransport over PC/SC: one card in one named reader, connected shared with T=1 (T=0 when the card
// offers nothing else). Errors are typed (see pcsc_error): a reset by another process is kTokenReset and
// reconnect() takes the card back.
#pragma once

#include <memory>
#include <string>

#include "transport/apdu_transport.h"
#include "transport/pcsc_context.h"

namespace keydesk::transport {

class PcscTransport final : public ApduTransport {
 public:
  // Connects to the card in `reader` (exact name as listed by PcscContext).
  static Result<std::unique_ptr<PcscTransport>> connect(std::shared_ptr<const PcscContext> context,
                                                        const std::string& reader);
  ~PcscTransport() override;
  PcscTransport(const PcscTransport&) = delete;
  PcscTransport& operator=(const PcscTransport&) = delete;

  Result<Bytes> transmit(ByteView command) override;
  Bytes atr() const override { return atr_; }
  std::string name() const override { return reader_; }
  Status begin_transaction() override;
  void end_transaction() override;

  // After kTokenReset (or a power cycle): re-establishes the connection, resetting the card when
  // `reset_card` is set. The ATR is read again.
  Status reconnect(bool reset_card = false);
  // T=1 or T=0, as negotiated.
  int protocol() const { return protocol_; }

 private:
  PcscTransport(std::shared_ptr<const PcscContext> context, std::string reader)
      : context_(std::move(context)), reader_(std::move(reader)) {}
  Status read_atr();

  std::shared_ptr<const PcscContext> context_;
  std::string reader_;
  intptr_t card_ = 0;
  unsigned long active_protocol_ = 0;  // the SCARD_PROTOCOL_* value for SCardTransmit
  int protocol_ = 1;
  Bytes atr_;
  bool in_transaction_ = false;
};

}  // namespace keydesk::transport
