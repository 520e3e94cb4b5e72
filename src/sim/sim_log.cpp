#include "sim/sim_log.h"

#include <iostream>

#include "protocol/masking.h"

namespace keydesk::sim {

std::string masked_exchange(ByteView command, ByteView response) {
  std::string line = "> " + protocol::describe_masked_raw(command) + "  < ";
  auto parsed_command = iso7816::parse_command(command);
  auto parsed_response = iso7816::parse_response(response);
  if (parsed_command && parsed_response)
    return line + protocol::describe_masked(*parsed_command, *parsed_response);
  // A command that did not parse got only a status word back; show no data either way.
  if (response.size() >= 2) return line + to_hex(response.subspan(response.size() - 2), true);
  return line + "<no status word>";
}

void SimLog::event(const std::string& text) {
  write("keydesk-sim: " + text);
}

void SimLog::apdu(ByteView command, ByteView response) {
  if (verbose_) write("keydesk-sim: " + masked_exchange(command, response));
}

void SimLog::write(const std::string& line) {
  std::lock_guard lock(mu_);
  std::cerr << line << '\n' << std::flush;
}

}  // namespace keydesk::sim
