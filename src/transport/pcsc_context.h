// PC/SC (pcsc-lite) resource manager context: which readers exist and which hold a card. The mapping of
// PC/SC return codes to typed keydesk errors is a pure function so it can be tested without pcscd.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace keydesk::transport {

// PC/SC return codes are LONG in pcsc-lite; carried here as a signed 64-bit value so this header does not
// pull <winscard.h> into every caller.
using PcscCode = int64_t;

// SCARD_E_NO_READERS_AVAILABLE -> kNoReader, SCARD_W_REMOVED_CARD -> kTokenRemoved, SCARD_W_RESET_CARD ->
// kTokenReset, SCARD_E_NO_SMARTCARD -> kNoToken, anything else (including SCARD_E_NO_SERVICE, pcscd not
// running) -> kTransport. The context names the operation and the reader; code is the PC/SC code.
Error pcsc_error(PcscCode code, std::string_view operation, std::string_view reader = {});

struct ReaderStatus {
  std::string name;
  bool card_present = false;
  Bytes atr;  // empty when no card
};

class PcscContext {
 public:
  // Establishes a user context with pcscd (kTransport when pcscd is not running).
  static Result<PcscContext> establish();
  PcscContext(PcscContext&& other) noexcept;
  PcscContext& operator=(PcscContext&& other) noexcept;
  PcscContext(const PcscContext&) = delete;
  PcscContext& operator=(const PcscContext&) = delete;
  ~PcscContext();

  // Every reader pcscd knows, in its order, with card presence. No reader at all is an empty list.
  Result<std::vector<ReaderStatus>> list_readers() const;

  // The raw SCARDCONTEXT handle, for PcscTransport.
  intptr_t handle() const { return handle_; }

 private:
  explicit PcscContext(intptr_t handle) : handle_(handle) {}
  intptr_t handle_ = 0;
  bool valid_ = false;
};

}  // namespace keydesk::transport
