// keydesk-sim's control channel (src/sim/control_protocol.h, docs/keydesk-sim.md): any line a client of
// the control socket sends. Invariants: parsing never throws or crashes; a refused line gets a usage
// error whose reply (format_error) is one line of text; an accepted line only ever carries the values
// the protocol allows (wait-held within 1..kMaxWaitHeld s, freeze after N >= 1). The `status` reply
// built from untrusted text (a profile name taken from the bytes) is always one line of valid JSON.
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "sim/control_protocol.h"

using namespace keydesk;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string line(reinterpret_cast<const char*>(data), size);
  auto parsed = sim::parse_control_command(line);
  if (!parsed) {
    if (parsed.error().kind != ErrorKind::kUsage) std::abort();
    const std::string reply = sim::format_error(parsed.error());
    if (reply.find('\n') != std::string::npos) std::abort();
  } else {
    if (parsed->verb == sim::ControlVerb::kWaitHeld &&
        (parsed->wait < std::chrono::seconds(1) || parsed->wait > sim::kMaxWaitHeld))
      std::abort();
    if (parsed->verb == sim::ControlVerb::kFreeze && line.find("after") != std::string::npos &&
        parsed->freeze_after == 0)
      std::abort();
  }
  sim::SimStatus status;
  status.profile = line;
  status.cuid = line.substr(0, 20);
  const std::string json = sim::format_status(status);
  if (json.find('\n') != std::string::npos) std::abort();
  if (!nlohmann::json::accept(json)) std::abort();
  return 0;
}
