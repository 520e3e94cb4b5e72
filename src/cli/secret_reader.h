// The one way keydesk reads a PIN, PUK or new PIN: a literal value, env:NAME, or `-` / no value, which
// reads it from the terminal without echo (or a line from stdin when stdin is not a terminal, for
// scripts). Secrets never go to a trace or an error message.
#pragma once

#include <istream>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace keydesk::cli {

class SecretReader {
 public:
  // `input` is stdin in production; `interactive` says whether it is a terminal (echo is then turned off).
  SecretReader(std::istream& input, bool interactive) : input_(input), interactive_(interactive) {}

  // spec: nullopt or "-" = prompt; "env:NAME" = that environment variable; anything else = the value.
  Result<std::string> read(const std::optional<std::string>& spec, std::string_view prompt);
  // A line that is not secret (a code read out over the phone), echoed at the terminal; nullopt at the end
  // of the input.
  std::optional<std::string> read_line(std::string_view prompt);
  bool interactive() const { return interactive_; }

 private:
  Result<std::string> prompt_line(std::string_view prompt);

  std::istream& input_;
  bool interactive_;
};

}  // namespace keydesk::cli
