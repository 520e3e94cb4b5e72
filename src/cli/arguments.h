// Command-line parsing against the command table: global options anywhere, command options only where
// the table allows them, typed usage errors (exit 2) before anything touches a token.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/command_table.h"

namespace keydesk::cli {

struct Invocation {
  const CommandSpec* command = nullptr;  // nullptr: help was asked for
  std::optional<int> token_index;        // -t
  std::optional<std::string> reader;     // --reader
  bool json = false;
  bool verbose = false;
  std::chrono::milliseconds timeout{30000};  // --timeout SECONDS: the deadline of each call to a token
  std::map<std::string, std::optional<std::string>, std::less<>> options;  // present options and values
  std::vector<std::string> positional;

  bool has(std::string_view name) const { return options.find(name) != options.end(); }
  std::optional<std::string> value(std::string_view name) const {
    auto it = options.find(name);
    return it == options.end() ? std::nullopt : it->second;
  }
};

Result<Invocation> parse_arguments(const std::vector<std::string>& args);
std::string usage_text();

}  // namespace keydesk::cli
