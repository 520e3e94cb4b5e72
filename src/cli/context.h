// What a command handler gets: its parsed arguments, the one secret reader, and the token - opened for the
// command's declared effect through access/channel.h, so a read-only command's link runs through the
// read-only guard and its FIDO requests through the read-only CTAP rule; there is no other way for a
// handler to reach the token.
#pragma once

#include <iosfwd>
#include <memory>

#include "access/channel.h"
#include "cli/command_line.h"
#include "cli/secret_reader.h"

namespace keydesk::cli {

class Context {
 public:
  Context(Invocation invocation, access::TokenSource& tokens, SecretReader& secrets,
          std::ostream& diagnostics);
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const Invocation& args() const { return invocation_; }
  Effect effect() const { return invocation_.command->effect; }
  std::ostream& diagnostics() { return diagnostics_; }

  // The secret of option `name` (value, env:NAME, or prompt).
  Result<std::string> secret(std::string_view name, std::string_view prompt);
  // A line of plain input (a code read out over the phone); nullopt at the end of the input.
  std::optional<std::string> line(std::string_view prompt) { return secrets_.read_line(prompt); }
  // Whether standard input is a terminal (a person types; prompts are shown).
  bool interactive() const { return secrets_.interactive(); }

  Result<std::vector<access::TokenInfo>> tokens();
  // The token the arguments address (-t, --reader, or the only one; the first of several where the
  // command table allows it).
  Result<access::TokenInfo> token();
  access::TokenSource& token_source() { return tokens_; }
  // The addressed token, opened for the command's effect on first use (the trace goes to diagnostics()
  // under -v, the deadline is --timeout, the FIDO links come from the environment).
  Result<access::Channel*> channel();
  // channel()'s card connection.
  Result<host::ApduConnection*> connection();

 private:
  Invocation invocation_;
  access::TokenSource& tokens_;
  SecretReader& secrets_;
  std::ostream& diagnostics_;
  std::optional<std::vector<access::TokenInfo>> listed_;
  std::optional<access::TokenInfo> chosen_;
  std::unique_ptr<access::Channel> channel_;
};

}  // namespace keydesk::cli
