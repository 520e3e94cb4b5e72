// keydesk-sim's command line (docs/keydesk-sim.md). Parsing is a pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
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

// The one option table: the parser, sim_usage() and the generated keydesk-sim(1) and bash completion
// (docs/man/) all read it, so they cannot drift apart.
struct SimOptionSpec {
  std::string_view name;   // "--state"
  std::string_view alias;  // "-v", or empty
  std::string_view value;  // "FILE"; empty for a flag
  bool required;
  std::string_view help;
};
std::span<const SimOptionSpec> sim_option_specs();

Result<SimOptions> parse_sim_options(const std::vector<std::string>& args);
std::string sim_usage();

}  // namespace keydesk::sim
