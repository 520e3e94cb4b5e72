// keydesk-sim's control channel protocol (docs/keydesk-sim.md): one command per line, one reply line per
// command ("ok", "error: ...", or for `status` a JSON object). Pure functions, no sockets.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "card/card_context.h"
#include "core/result.h"
#include "sim/link_hold.h"

namespace keydesk::sim {

enum class ControlVerb : uint8_t {
  kRemove,
  kInsert,
  kPowerCycle,
  kPresence,
  kStatus,
  kHoldAfter,  // test seam: see sim/link_hold.h
  kWaitHeld,
  kRelease,
  kFreeze,
  kThaw
};

struct ControlCommand {
  ControlVerb verb = ControlVerb::kStatus;
  card::UserPresence::Mode presence = card::UserPresence::Mode::kGrant;  // kPresence only
  SimLink link = SimLink::kPcsc;                                         // kHoldAfter only
  HoldTrigger trigger = HoldTrigger::kCtapGetInfo;                       // kHoldAfter only
  std::chrono::milliseconds wait{0};                                     // kWaitHeld only
  uint64_t freeze_after = 0;                                             // kFreeze: `freeze after N`
};

// `wait-held` without SECONDS waits this long; more than kMaxWaitHeld is refused.
inline constexpr std::chrono::seconds kDefaultWaitHeld{30}, kMaxWaitHeld{120};

// Parses one line (surrounding blanks and a trailing CR ignored). Unknown verbs or arguments: kUsage with
// the list of commands.
Result<ControlCommand> parse_control_command(std::string_view line);

struct SimStatus {
  bool inserted = true;
  card::UserPresence::Mode presence = card::UserPresence::Mode::kGrant;
  std::string profile;
  std::string cuid;  // 20 hex digits
  uint32_t serial = 0;
  LinkHold::State hold;
  bool frozen = false;      // `freeze` in effect (or armed with `after N`)
  uint64_t unanswered = 0;  // requests the frozen token holds unanswered
};

// The `status` reply: one line of JSON without the newline.
std::string format_status(const SimStatus& status);
// The reply to a failed command, without the newline.
std::string format_error(const Error& error);

}  // namespace keydesk::sim
