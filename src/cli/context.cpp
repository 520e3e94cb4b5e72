#include "cli/context.h"

#include <ostream>

namespace keydesk::cli {

Context::Context(Invocation invocation, access::TokenSource& tokens, SecretReader& secrets,
                 std::ostream& diagnostics)
    : invocation_(std::move(invocation)), tokens_(tokens), secrets_(secrets), diagnostics_(diagnostics) {}

Result<std::string> Context::secret(std::string_view name, std::string_view prompt) {
  return secrets_.read(invocation_.value(name), prompt);
}

Result<std::vector<access::TokenInfo>> Context::tokens() {
  if (!listed_) {
    KD_ASSIGN_OR_RETURN(auto listed, tokens_.list());
    listed_ = std::move(listed);
  }
  return *listed_;
}

Result<access::TokenInfo> Context::token() {
  if (!chosen_) {
    KD_ASSIGN_OR_RETURN(const auto all, tokens());
    KD_ASSIGN_OR_RETURN(auto chosen, access::choose_token(all, invocation_.token_index, invocation_.reader,
                                                          invocation_.command->first_of_several));
    chosen_ = std::move(chosen);
  }
  return *chosen_;
}

Result<access::Channel*> Context::channel() {
  if (channel_) return channel_.get();
  KD_ASSIGN_OR_RETURN(auto chosen, token());
  access::ChannelOptions options;
  if (invocation_.verbose) options.trace = [this](const std::string& line) { diagnostics_ << line << "\n"; };
  options.deadline = invocation_.timeout;
  options.fido_links = access::fido_links_from_environment();
  channel_ = std::make_unique<access::Channel>(tokens_, std::move(chosen), effect(), std::move(options));
  return channel_.get();
}

Result<host::ApduConnection*> Context::connection() {
  KD_ASSIGN_OR_RETURN(access::Channel * opened, channel());
  return opened->card();
}

}  // namespace keydesk::cli
