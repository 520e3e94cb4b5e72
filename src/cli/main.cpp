// keydesk: the help desk's hardware-key runbook (docs/cli.md).
#include <unistd.h>

#include <iostream>

#include "cli/app.h"
#include "cli/system_token_source.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto tokens = keydesk::cli::make_system_token_source();
  return keydesk::cli::run_keydesk(args, *tokens,
                                   {std::cin, isatty(STDIN_FILENO) == 1, std::cout, std::cerr});
}
