// keydesk-sim's log on stderr: events always, APDU traces with -v. APDU lines go through
// protocol/masking.h (with no applet assumed: every table that marks an instruction secret masks it), so
// PINs, PUKs and keys never reach the log.
#pragma once

#include <mutex>
#include <string>

#include "core/bytes.h"

namespace keydesk::sim {

class SimLog {
 public:
  explicit SimLog(bool verbose) : verbose_(verbose) {}
  void event(const std::string& text);
  // Only with -v: one line per APDU exchange, secrets masked.
  void apdu(ByteView command, ByteView response);
  bool verbose() const { return verbose_; }

 private:
  void write(const std::string& line);
  bool verbose_;
  std::mutex mu_;
};

// "> 00 20 00 80 <8 bytes masked>  < 63C2": the -v line for one exchange.
std::string masked_exchange(ByteView command, ByteView response);

}  // namespace keydesk::sim
