// keydesk: the help desk's hardware-key runbook (docs/cli.md).
#include <unistd.h>

#include <iostream>

#include "access/system_tokens.h"
#include "cli/app.h"
#include "cli/exit_codes.h"

int main(int argc, char** argv) {
  // run_keydesk turns every failure of a command into words and an exit code; this catch covers what
  // happens before it (building the token source), so nothing ends in an abort.
  try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    auto tokens = keydesk::access::make_system_token_source();
    return keydesk::cli::run_keydesk(args, *tokens,
                                     {std::cin, isatty(STDIN_FILENO) == 1, std::cout, std::cerr});
  } catch (...) {
    std::cerr << "keydesk: internal error: unexpected failure at start-up\n";
    return static_cast<int>(keydesk::cli::ExitCode::kDeviceError);
  }
}
