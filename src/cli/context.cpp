#include "cli/context.h"

#include <ostream>

#include "host/trace.h"

namespace keydesk::cli {

Context::Context(Invocation invocation, host::TokenSource& tokens, SecretReader& secrets,
                 std::ostream& diagnostics)
    : invocation_(std::move(invocation)), tokens_(tokens), secrets_(secrets), diagnostics_(diagnostics) {}

Context::~Context() {
  if (link_) link_->end_transaction();
}

Result<std::string> Context::secret(std::string_view name, std::string_view prompt) {
  return secrets_.read(invocation_.value(name), prompt);
}

Result<std::vector<host::TokenInfo>> Context::tokens() {
  if (!listed_) {
    auto listed = tokens_.list();
    if (!listed) return listed.error();
    listed_ = std::move(listed).value();
  }
  return *listed_;
}

Result<host::TokenInfo> Context::token() {
  if (!chosen_) {
    auto all = tokens();
    if (!all) return all.error();
    // diagnose looks at the first of several tokens and says so; everything else must be told which.
    const bool first_of_several = invocation_.command->name == "diagnose";
    auto chosen = host::choose_token(*all, invocation_.token_index, invocation_.reader, first_of_several);
    if (!chosen) return chosen.error();
    chosen_ = std::move(chosen).value();
  }
  return *chosen_;
}

host::TracingTransport::Sink Context::trace_sink() {
  if (!invocation_.verbose) return {};
  return [this](const std::string& line) { diagnostics_ << line << "\n"; };
}

Result<transport::ApduTransport*> Context::card_transport() {
  if (traced_) return traced_.get();
  auto chosen = token();
  if (!chosen) return chosen.error();
  if (chosen->reader.empty())
    return Error::make(ErrorKind::kNoToken,
                       "token " + std::to_string(chosen->index) + " has no smart card interface");
  auto link = tokens_.open_card(*chosen);
  if (!link) return link.error();
  link_ = std::move(link).value();
  // One transaction for the whole command: no other program interleaves APDUs.
  if (auto begun = link_->begin_transaction(); !begun) return begun.error();
  transport::ApduTransport* path = link_.get();
  if (effect() == Effect::kReadOnly) {
    guard_ = std::make_unique<transport::ReadOnlyGuard>(*link_);
    path = guard_.get();
  }
  traced_ = std::make_unique<host::TracingTransport>(*path, trace_sink());
  return traced_.get();
}

Result<host::ApduConnection*> Context::connection() {
  if (connection_) return connection_.get();
  auto link = card_transport();
  if (!link) return link.error();
  connection_ = std::make_unique<host::ApduConnection>(**link);
  return connection_.get();
}

}  // namespace keydesk::cli
