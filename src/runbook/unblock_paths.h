// Which non-destructive ways back from a blocked card PIN this token has, as read by the probes, and the
// next step that follows from them. Every piece of advice keydesk gives about a blocked or nearly blocked
// PIN or PUK is derived here, so it names only paths the token was seen to have. Pure functions.
#pragma once

#include <optional>
#include <string>

#include "runbook/token_snapshot.h"

namespace keydesk::runbook {

enum class PathState {
  kAvailable,  // present with tries left: usable now
  kBlocked,    // present, but its own counter is at 0
  kAbsent,     // the token reports it does not exist (no PUK set, no XAUTH key, PIV has no XAUTH)
  kUnknown,    // the token cannot tell without spending a try (standard PIV's PUK counter)
};
const char* path_state_name(PathState s);

struct UnblockPath {
  PathState state = PathState::kUnknown;
  std::optional<int> remaining, max;
};

struct UnblockPaths {
  UnblockPath puk;    // RESET RETRY COUNTER with the PUK (pin-reset-tries)
  UnblockPath xauth;  // the help desk's XAUTH challenge-response (ACA only)
  bool any_available() const {
    return puk.state == PathState::kAvailable || xauth.state == PathState::kAvailable;
  }
};

UnblockPaths unblock_paths(const AccessControl& access);

// The next safe step for a blocked card PIN: the paths that exist, with their tries; else why none does
// and that only a destructive reset remains.
std::string blocked_pin_next_step(const UnblockPaths& paths);
// The next step when the PIN has few retries left: stop guessing, and which way back exists.
std::string low_pin_next_step(const UnblockPaths& paths);
// The next step for a blocked PUK: whether XAUTH can still unblock the PIN.
std::string blocked_puk_next_step(const UnblockPaths& paths);

}  // namespace keydesk::runbook
