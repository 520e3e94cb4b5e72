// The one command table: every command, what it may do to a token, the options it accepts and the
// function that runs it. It is the source of truth for the command line (cli/command_line.cpp builds the
// parser and every command's help from it; the build generates the man page and completion from it), and
// the Context opens the token for `effect` (access/channel.h) - a read-only command only ever gets a
// channel through the read-only guard - so a handler cannot forget to be safe.
//
// A new command is one row here and one handler (declared in cli/handlers.h); a new option is one row in
// options() (one meaning per name across all commands).
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "access/effect.h"
#include "cli/output.h"
#include "core/result.h"
#include "report/outcome.h"

namespace keydesk::cli {

class Context;

using access::Effect;
using access::effect_name;

struct CommandResult {
  Output output;
  report::Outcome outcome = report::Outcome::kSuccess;  // the exit code, mapped once (cli/exit_codes.h)
};
using Handler = Result<CommandResult> (*)(Context&);

enum class ArgKind { kFlag, kValue, kSecret };  // kSecret: value optional, `-` or absent = prompt
struct OptionSpec {
  std::string_view long_name;  // without dashes
  char short_name;             // 0 = none
  ArgKind kind;
  std::string_view help;
  std::string_view value_name = {};  // kValue: what the value is, in help ("INDEX", "SECONDS")
};

struct CommandSpec {
  std::string_view name;  // one word, or words separated by a space for a family ("store init")
  Effect effect;
  std::string_view summary;
  std::vector<std::string_view> options;  // long names from options()
  std::string_view positional;            // e.g. "CODE..."; empty = none accepted
  Handler handler;
  // With several tokens connected and neither -t nor --reader: false = a usage error listing them, true =
  // the first one (diagnose, which then reports the several-tokens finding).
  bool first_of_several = false;
};

// A table of commands and options as one value: keydesk's (command_table()), or a test's own.
struct CommandTable {
  std::span<const CommandSpec> commands;
  // Global options first (accepted before or after the command), then every command option; one meaning
  // per name.
  std::span<const OptionSpec> options;
  size_t global_options = 0;  // how many of `options` are global

  const CommandSpec* find_command(std::string_view name) const;
  const OptionSpec* find_option(std::string_view long_name) const;
  const OptionSpec* find_short_option(char short_name) const;
  bool is_global_option(std::string_view long_name) const;
};
const CommandTable& command_table();

// keydesk's table (command_table()), piece by piece.
std::span<const CommandSpec> commands();
const CommandSpec* find_command(std::string_view name);
std::span<const OptionSpec> options();
const OptionSpec* find_option(std::string_view long_name);
const OptionSpec* find_short_option(char short_name);
bool is_global_option(std::string_view long_name);

}  // namespace keydesk::cli
