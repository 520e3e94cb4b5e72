// keydesk-sim's command line (docs/keydesk-sim.md). Parsing is a pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace keydesk::sim {

struct SimOptions {
  std::string profile;  // seeds the state file only when it does not exist
  std::string state_path;
  uint16_t vpcd_port = 0;
  std::string vpcd_host = "127.0.0.1";
  std::optional<std::string> control_socket;
  std::optional<std::string> ctaphid_socket;
  bool verbose = false;
  bool help = false;
};

Result<SimOptions> parse_sim_options(const std::vector<std::string>& args);
const char* sim_usage();

}  // namespace keydesk::sim
