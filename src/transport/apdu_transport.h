// A link that carries raw C-APDUs to a token and raw R-APDUs back: PC/SC, the in-process loopback, or a
// decorator such as the read-only guard. Errors are typed (no reader, removed, reset, transport).
#pragma once

#include <string>

#include "core/bytes.h"
#include "core/result.h"

namespace keydesk::transport {

class ApduTransport {
 public:
  virtual ~ApduTransport() = default;
  virtual Result<Bytes> transmit(ByteView command) = 0;
  virtual Bytes atr() const = 0;
  // Human-readable name of where the token sits (reader name, "loopback").
  virtual std::string name() const = 0;
  // Exclusive access for a sequence of APDUs (PC/SC transactions); no-ops where not needed.
  virtual Status begin_transaction() { return {}; }
  virtual void end_transaction() {}
};

}  // namespace keydesk::transport
