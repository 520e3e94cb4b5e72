// What a command handler gets: its parsed arguments, the one secret reader, and the token — opened the
// way the command table says. A read-only command's connection runs through the read-only guard; there is
// no other way for a handler to reach the token.
#pragma once

#include <iosfwd>
#include <memory>

#include "cli/arguments.h"
#include "cli/secret_reader.h"
#include "host/apdu_connection.h"
#include "host/token_discovery.h"
#include "host/trace.h"
#include "transport/readonly_guard.h"

namespace keydesk::cli {

class Context {
 public:
  Context(Invocation invocation, host::TokenSource& tokens, SecretReader& secrets, std::ostream& diagnostics);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const Invocation& args() const { return invocation_; }
  Effect effect() const { return invocation_.command->effect; }
  std::ostream& diagnostics() { return diagnostics_; }

  // The secret of option `name` (value, env:NAME, or prompt).
  Result<std::string> secret(std::string_view name, std::string_view prompt);

  Result<std::vector<host::TokenInfo>> tokens();
  // The addressed token's card link, opened on first use: the reader, then the read-only guard for
  // read-only commands, then the trace (masked, under -v) and APDU count. FIDO over NFCCTAP uses this too.
  Result<transport::ApduTransport*> card_transport();
  // An ISO 7816 connection over card_transport().
  Result<host::ApduConnection*> connection();
  Result<host::TokenInfo> token();
  host::TokenSource& token_source() { return tokens_; }
  // APDUs that reached the token so far (for diagnose's report and the benchmark).
  uint64_t apdu_count() const { return traced_ ? traced_->sent() : 0; }
  // APDUs the read-only guard refused so far (CTAP requests a FIDO session's hook refused are not here).
  uint64_t guard_refusals() const { return guard_ ? guard_->refused_count() : 0; }
  // Where -v trace lines go (empty function without -v).
  host::TracingTransport::Sink trace_sink();

 private:
  Invocation invocation_;
  host::TokenSource& tokens_;
  SecretReader& secrets_;
  std::ostream& diagnostics_;
  std::optional<std::vector<host::TokenInfo>> listed_;
  std::optional<host::TokenInfo> chosen_;
  std::unique_ptr<transport::ApduTransport> link_;
  std::unique_ptr<transport::ReadOnlyGuard> guard_;
  std::unique_ptr<host::TracingTransport> traced_;
  std::unique_ptr<host::ApduConnection> connection_;
};

}  // namespace keydesk::cli
