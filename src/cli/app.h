// keydesk as a function: arguments in, exit code out, streams and token source injected so tests drive
// the real command paths in process (a LoopbackTransport over an in-process Card).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "access/token_discovery.h"

namespace keydesk::cli {

struct Streams {
  std::istream& in;
  bool in_is_terminal;
  std::ostream& out;
  std::ostream& err;
};

int run_keydesk(const std::vector<std::string>& args, access::TokenSource& tokens, Streams streams);

}  // namespace keydesk::cli
