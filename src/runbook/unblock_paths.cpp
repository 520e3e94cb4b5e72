#include "runbook/unblock_paths.h"

namespace keydesk::runbook {
namespace {

std::string tries(const UnblockPath& p) {
  if (!p.remaining) return "tries unknown";
  std::string t = std::to_string(*p.remaining) + (p.max ? " of " + std::to_string(*p.max) : "");
  return t + (*p.remaining == 1 ? " try left" : " tries left");
}

std::string puk_step(const UnblockPath& p) {
  return "pin-reset-tries with the PUK (" + tries(p) + ")";
}
const char* kXauthStep = "the help desk's XAUTH challenge-response";
const char* kUnknownPuk =
    "if the provisioning records hold this token's PUK, pin-reset-tries with it (the token cannot report the "
    "PUK counter without spending a try, so keydesk needs --force)";

// Why a path cannot be used, in the words of what the token reported.
std::string why_not(const char* name, const UnblockPath& p) {
  switch (p.state) {
    case PathState::kBlocked:
      return std::string(name) + " is blocked";
    case PathState::kAbsent:
      return std::string("this token has no ") + name;
    case PathState::kUnknown:
      return std::string(name) + " state unknown";
    case PathState::kAvailable:
      break;
  }
  return {};
}

}  // namespace

const char* path_state_name(PathState s) {
  switch (s) {
    case PathState::kAvailable:
      return "available";
    case PathState::kBlocked:
      return "blocked";
    case PathState::kAbsent:
      return "absent";
    case PathState::kUnknown:
      return "unknown";
  }
  return "unknown";
}

UnblockPaths unblock_paths(const AccessControl& a) {
  UnblockPaths paths;
  paths.puk.remaining = a.puk_remaining;
  paths.puk.max = a.puk_max;
  if (a.puk_initialized == false)
    paths.puk.state = PathState::kAbsent;
  else if (a.puk_remaining == 0)
    paths.puk.state = PathState::kBlocked;
  else if (a.puk_initialized == true && a.puk_remaining)
    paths.puk.state = PathState::kAvailable;
  else
    paths.puk.state = PathState::kUnknown;  // standard PIV: the counter cannot be read without a try

  paths.xauth.remaining = a.xauth_remaining;
  paths.xauth.max = a.xauth_max;
  if (a.xauth_initialized == false)
    paths.xauth.state = PathState::kAbsent;
  else if (a.xauth_remaining == 0)
    paths.xauth.state = PathState::kBlocked;
  else if (a.xauth_initialized == true)
    paths.xauth.state = PathState::kAvailable;
  else
    paths.xauth.state = PathState::kUnknown;
  return paths;
}

std::string blocked_pin_next_step(const UnblockPaths& p) {
  const bool puk = p.puk.state == PathState::kAvailable, xauth = p.xauth.state == PathState::kAvailable;
  if (puk && xauth)
    return "unblock without losing data: " + puk_step(p.puk) + ", or " + kXauthStep + " (" + tries(p.xauth) +
           ")";
  if (puk) return "unblock without losing data: " + puk_step(p.puk) + "; " + why_not("XAUTH key", p.xauth);
  if (xauth)
    return std::string("unblock without losing data: ") + kXauthStep + " (" + tries(p.xauth) + "); " +
           (p.puk.state == PathState::kUnknown ? kUnknownPuk : why_not("PUK", p.puk));
  if (p.puk.state == PathState::kUnknown)
    return std::string(kUnknownPuk) + "; " + why_not("XAUTH key", p.xauth) +
           "; otherwise only token-reset remains (destructive, see what survives)";
  return "no way back without data loss: " + why_not("PUK", p.puk) + " and " + why_not("XAUTH key", p.xauth) +
         "; only token-reset remains (destructive, see what survives)";
}

std::string low_pin_next_step(const UnblockPaths& p) {
  std::string step =
      "stop guessing: keydesk refuses further attempts unless --force; find the PIN in the records";
  if (p.puk.state == PathState::kAvailable) step += ", or " + puk_step(p.puk);
  if (p.xauth.state == PathState::kAvailable) step += std::string(", or ") + kXauthStep;
  if (!p.any_available())
    step += p.puk.state == PathState::kUnknown
                ? " (the PUK counter is unknown to the token's read-only interface)"
                : "; a blocked PIN would leave only a destructive reset (" + why_not("PUK", p.puk) + ", " +
                      why_not("XAUTH key", p.xauth) + ")";
  return step;
}

std::string blocked_puk_next_step(const UnblockPaths& p) {
  switch (p.xauth.state) {
    case PathState::kAvailable:
      return std::string("the PIN can still be unblocked by ") + kXauthStep + " (" + tries(p.xauth) + ")";
    case PathState::kBlocked:
      return "the XAUTH key is blocked too: only a destructive reset remains if the PIN blocks";
    case PathState::kAbsent:
    case PathState::kUnknown:
      break;
  }
  return "this token has no XAUTH key: only a destructive reset remains if the PIN blocks";
}

}  // namespace keydesk::runbook
