// ApduTransport over PC/SC: one card in one named reader, connected shared with T=1 (T=0 when the card
// offers nothing else). Errors are typed (see pcsc_error): a reset by another process is kTokenReset and
// reconnect() takes the card back.
//
// Every PC/SC call runs with a deadline (transport/deadline_runner.h): a token or reader that stops
// answering ends the call with kTimeout, and the link is abandoned (later calls fail at once). Each
// link has its own PC/SC context, so a call stuck on one token never blocks another link's calls
// (pcsc-lite serialises the calls of one context).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "transport/apdu_transport.h"
#include "transport/deadline_runner.h"
#include "transport/pcsc_context.h"

namespace keydesk::transport {

class PcscTransport final : public ApduTransport {
 public:
  // Connects to the card in `reader` (exact name as listed by PcscContext), each PC/SC call bounded by
  // `deadline`.
  static Result<std::unique_ptr<PcscTransport>> connect(
      const std::string& reader, std::chrono::milliseconds deadline = kDefaultDeadline);
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
  struct Handle;
  PcscTransport(std::string reader, std::chrono::milliseconds deadline);
  Status read_atr();
  // A transmit that failed at the transport level: was the card pulled meanwhile? (kTokenRemoved)
  Error classify_failure(long code, std::string_view operation);
  std::string where() const;  // " (reader 'NAME')" for messages

  std::string reader_;
  DeadlineRunner runner_;
  std::shared_ptr<Handle> handle_;  // shared with the runner's thread (see DeadlineRunner)
  int protocol_ = 1;
  Bytes atr_;
};

}  // namespace keydesk::transport
