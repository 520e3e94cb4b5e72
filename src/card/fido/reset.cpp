// authenticatorReset (CTAP 2.1 section 6.6) and authenticatorSelection (section 6.9).
#include "card/fido/authenticator.h"

namespace keydesk::card::fido {

Reply Authenticator::reset() {
  // Only this soon after power-up (CTAP 2.1 section 6.6; the window is the profile's).
  if (std::chrono::steady_clock::now() - context_.powered_on_at > profile_.reset_window)
    return CtapStatus::kNotAllowed;
  if (!context_.presence.request()) return CtapStatus::kOperationDenied;
  pin_.clear();
  credentials_.clear();
  ep_enabled_ = false;
  reset_volatile();
  return CtapStatus::kOk;
}

Reply Authenticator::selection() {
  return context_.presence.request() ? Reply(CtapStatus::kOk) : Reply(CtapStatus::kOperationDenied);
}

}  // namespace keydesk::card::fido
