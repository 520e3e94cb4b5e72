#include "runbook/hsm_probe.h"

#include "host/hsm/hsm_session.h"

namespace keydesk::runbook {

Result<std::optional<HsmState>> read_hsm(host::ApduConnection& card, bool counters_only) {
  using Kind = host::hsm::PinState::Kind;
  host::hsm::HsmSession session(card);
  auto info = session.select();
  if (!info) {
    if (info.error().kind == ErrorKind::kNotSupported) return std::optional<HsmState>();
    return info.error();
  }
  HsmState s;
  s.version = info->version();
  s.options = info->options;
  KD_ASSIGN_OR_RETURN(auto so, session.so_pin_state());
  s.initialized = so.kind != Kind::kNotInitialized;
  if (so.kind == Kind::kTriesLeft || so.kind == Kind::kBlocked) s.so_remaining = so.tries_left;
  KD_ASSIGN_OR_RETURN(auto user, session.user_pin_state());
  // Before version 2.0 the device has no SO-PIN status: 6984 on the user PIN means "never initialised".
  if (!info->options) s.initialized = user.kind != Kind::kTransportPin && user.kind != Kind::kNotInitialized;
  if (user.kind == Kind::kTriesLeft || user.kind == Kind::kBlocked) s.user_remaining = user.tries_left;
  s.user_transport_pin = info->options && user.kind == Kind::kTransportPin;
  s.user_verified = user.kind == Kind::kVerified;
  if (counters_only) return std::optional<HsmState>(std::move(s));
  if (auto certificates = session.device_certificates()) {
    if (auto serial = protocol::sc_hsm::device_serial(*certificates)) s.device_id = *serial;
  }
  if (auto dkek = session.dkek_status(); dkek && *dkek) {
    s.dkek_shares = (*dkek)->shares;
    s.dkek_outstanding = (*dkek)->outstanding;
  }
  return std::optional<HsmState>(std::move(s));
}

}  // namespace keydesk::runbook
