#include "runbook/fido_probe.h"

namespace keydesk::runbook {
namespace {

FidoState unreachable(std::string why, const Error& error) {
  FidoState s;
  s.unreachable_reason = std::move(why);
  if (error.kind == ErrorKind::kTimeout || error.kind == ErrorKind::kTokenRemoved) s.link_failure = error;
  return s;
}

class ChannelFidoStateReader final : public FidoStateReader {
 public:
  explicit ChannelFidoStateReader(access::Channel& channel) : channel_(channel) {}

  // getInfo (the one the session's open sent) and, where a PIN is set, getPINRetries. No PIN_NOT_SET probe:
  // a PIN token request is never safe on a read-only path (transport/readonly_guard.h says why).
  FidoState read() override {
    const uint64_t refused_before = channel_.ctap_refusals();
    auto link = channel_.fido();
    if (!link) {
      auto state = unreachable(describe(link.error()), link.error());
      state.requests_refused = channel_.ctap_refusals() - refused_before;
      return state;
    }
    link_ = *link;
    return state_from(link_->session->info(), refused_before);
  }

  // A new getInfo (and getPINRetries) on the session read() opened.
  FidoState read_again() override {
    if (!link_) return read();
    const uint64_t refused_before = channel_.ctap_refusals();
    return state_from(link_->session->info(true), refused_before);
  }

 private:
  // `refused_before`: the channel's count when this read began (FidoState counts one read's refusals).
  FidoState state_from(const Result<host::fido::FidoInfo>& info, uint64_t refused_before) {
    auto state = info ? fido_state_of(*info, link_->transport)
                      : unreachable("getInfo failed: " + describe(info.error()), info.error());
    state.requests_refused = channel_.ctap_refusals() - refused_before;
    return state;
  }

  access::Channel& channel_;
  access::FidoLink* link_ = nullptr;  // the channel's, once read() opened it
};

}  // namespace

FidoState fido_state_of(const host::fido::FidoInfo& info, std::string transport) {
  FidoState s;
  s.reachable = true;
  s.transport = std::move(transport);
  s.versions = info.versions;
  s.aaguid = info.aaguid;
  for (const auto& [name, value] : info.options) s.options[name] = value;
  s.pin_retries = info.pin_retries;
  s.power_cycle_required = info.power_cycle_required;
  if (info.remaining_discoverable_credentials)
    s.remaining_discoverable_credentials = static_cast<int>(*info.remaining_discoverable_credentials);
  if (info.min_pin_length > 0) s.min_pin_length = static_cast<int>(info.min_pin_length);
  return s;
}

std::unique_ptr<FidoStateReader> make_fido_state_reader(access::Channel& channel) {
  return std::make_unique<ChannelFidoStateReader>(channel);
}

}  // namespace keydesk::runbook
