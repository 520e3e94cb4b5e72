// The command line, parsed by CLI11 against the command table (cli/command_table.h): one subcommand per
// command with exactly the options its row lists, global options before or after the command, and every
// help text generated from the table (`keydesk help`, `keydesk help COMMAND`, `keydesk COMMAND --help`).
// Usage errors are typed (kUsage, exit 2) and come before anything touches a token; a secret option's
// value (kSecret) never appears in one.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/command_table.h"

namespace keydesk::cli {

struct Invocation {
  const CommandSpec* command = nullptr;  // nullptr: help was asked for, and `help` is it
  std::string help;
  std::optional<int> token_index;     // -t
  std::optional<std::string> reader;  // --reader
  bool json = false;
  bool verbose = false;
  std::chrono::milliseconds timeout{30000};  // --timeout SECONDS: the deadline of each call to a token
  // The command's options that were given, with their values (a kSecret given without one: "-", prompt).
  std::map<std::string, std::optional<std::string>, std::less<>> options;
  std::vector<std::string> positional;

  bool has(std::string_view name) const { return options.find(name) != options.end(); }
  std::optional<std::string> value(std::string_view name) const {
    auto it = options.find(name);
    return it == options.end() ? std::nullopt : it->second;
  }
};

// A command named by several words ("store init") is a family of CLI11 subcommands: `keydesk store`
// alone prints the family's help. `table` is keydesk's unless a test brings its own.
Result<Invocation> parse_command_line(const std::vector<std::string>& args,
                                      const CommandTable& table = command_table());

// keydesk's help: every command with its effect, the global options, secrets and exit codes.
std::string keydesk_help(const CommandTable& table = command_table());
// One command's help: its summary, its effect on the token, its options and the global ones.
std::string command_help(const CommandSpec& command, const CommandTable& table = command_table());
// What to print with a usage error in `args`: the help of the command they name, else keydesk's.
std::string help_for(const std::vector<std::string>& args, const CommandTable& table = command_table());

}  // namespace keydesk::cli
