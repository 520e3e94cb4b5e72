#include "runbook/access_control_probe.h"

#include "host/aca/aca_session.h"
#include "runbook/piv_access_probe.h"

namespace keydesk::runbook {
namespace {

const char* challenge_type_name(host::aca::XauthChallengeType t) {
  switch (t) {
    case host::aca::XauthChallengeType::kNone:
      return "None";
    case host::aca::XauthChallengeType::kStatic:
      return "Static";
    case host::aca::XauthChallengeType::kDynamic:
      return "Dynamic";
  }
  return "None";
}

AccessControl from_aca(const host::aca::AcaProperties& p) {
  AccessControl a;
  a.source = "ACA";
  a.pin_remaining = p.pin_tries;
  a.pin_max = p.pin_max_tries;
  a.puk_initialized = p.puk_initialized;
  if (p.puk_initialized) {
    a.puk_remaining = p.puk_tries;
    a.puk_max = p.puk_max_tries;
  } else {
    a.unknown["CurrentPinUnlockCounter"] = "no PUK is set on this token";
    a.unknown["MaxPinUnlockCounter"] = "no PUK is set on this token";
  }
  a.xauth_initialized = p.xauth_initialized;
  a.xauth_challenge_type = challenge_type_name(p.xauth_challenge_type);
  if (p.xauth_initialized) {
    a.xauth_remaining = p.xauth_tries;
    a.xauth_max = p.xauth_max_tries;
  } else {
    a.unknown["CurrentXAUTHTryCounter"] = "no XAUTH key is set on this token";
    a.unknown["MaxXAUTHTryCounter"] = "no XAUTH key is set on this token";
  }
  a.min_pin_length = p.min_pin_length;
  a.max_pin_length = p.max_pin_length;
  a.pin_shared_with_fido = p.pin_shared_with_fido;
  a.force_pin_change = p.force_pin_change;
  a.pin_is_default = p.pin_is_initial;
  return a;
}

}  // namespace

Result<AccessControl> read_access_control(host::ApduConnection& connection) {
  host::aca::AcaSession aca(connection);
  if (auto selected = aca.select(); selected.ok()) {
    auto props = aca.properties();
    if (!props) return props.error();
    return from_aca(*props);
  } else if (selected.error().kind != ErrorKind::kNotSupported) {
    return selected.error();
  }
  return read_piv_access_control(connection);
}

}  // namespace keydesk::runbook
