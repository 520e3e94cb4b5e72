// The one command table: every command, what it may do to a token, the options it accepts and the
// function that runs it. The dispatcher opens the token according to `effect` — a read-only command only
// ever gets a transport wrapped in the read-only guard — so a handler cannot forget to be safe.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "cli/exit_codes.h"
#include "cli/output.h"
#include "core/result.h"

namespace keydesk::cli {

class Context;

enum class Effect {
  kLocal,          // no token at all (explain, demo)
  kReadOnly,       // runs through the read-only guard
  kSpendsRetry,    // one PIN/PUK/FIDO PIN attempt behind the retry interlock
  kWritesSecrets,  // sets PINs, PUKs, keys or credentials, each on record before it is set (provisioning)
  kDestroysData,   // needs --confirm-cuid and prints what survives
};
const char* effect_name(Effect e);

struct CommandResult {
  Output output;
  ExitCode code = ExitCode::kSuccess;
};
using Handler = Result<CommandResult> (*)(Context&);

enum class ArgKind { kFlag, kValue, kSecret };  // kSecret: value optional, `-` or absent = prompt
struct OptionSpec {
  std::string_view long_name;  // without dashes
  char short_name;             // 0 = none
  ArgKind kind;
  std::string_view help;
};

struct CommandSpec {
  std::string_view name;
  Effect effect;
  std::string_view summary;
  std::vector<std::string_view> options;  // long names from options()
  std::string_view positional;            // e.g. "CODE"; empty = none accepted
  Handler handler;
};

std::span<const CommandSpec> commands();
const CommandSpec* find_command(std::string_view name);
// Global options first, then every command option; one meaning per name.
std::span<const OptionSpec> options();
const OptionSpec* find_option(std::string_view long_name);
const OptionSpec* find_short_option(char short_name);
bool is_global_option(std::string_view long_name);

}  // namespace keydesk::cli
