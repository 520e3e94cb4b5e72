// A test seam of keydesk-sim (docs/keydesk-sim.md, control commands `hold-after`, `wait-held`,
// `release`): one link (the vpcd link, or one client connection of the CTAPHID socket) stops answering
// right after it answered a chosen request, until released, while every other link and connection keeps
// working. A test uses it to put a second client's action exactly between two
// requests of a first client, so a race between two programs is driven deterministically instead of
// being hoped for.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "sim/sim_log.h"

namespace keydesk::sim {

// The ways a client reaches the token: the card through vpcd (PC/SC, FIDO by NFCCTAP), and the CTAPHID
// socket (the USB HID stand-in).
enum class SimLink : uint8_t { kPcsc, kCtaphid };
// What a link answers before a hold takes effect.
enum class HoldTrigger : uint8_t { kCtapGetInfo };

const char* sim_link_name(SimLink link);  // "pcsc", "ctaphid"
std::optional<SimLink> parse_sim_link(std::string_view name);
const char* hold_trigger_name(HoldTrigger trigger);  // "ctap-getinfo"
std::optional<HoldTrigger> parse_hold_trigger(std::string_view name);

// The trigger a complete CTAP exchange is: a successful getInfo (request 0x04, status 0x00).
std::optional<HoldTrigger> trigger_of_ctap(ByteView request, ByteView response);

// On the card link a CTAP request travels in NFCCTAP_MSG (CLA 80, INS 10) and its answer may be split by
// 61xx and collected with GET RESPONSE (00 C0). Fed every APDU and its response, this tells when a CTAP
// answer has just been completed, and which request it answered.
class NfcctapAnswerWatch {
 public:
  std::optional<HoldTrigger> completed(ByteView apdu, ByteView response);

 private:
  std::optional<HoldTrigger> continuing_;  // a trigger whose answer continues with GET RESPONSE
};

class LinkHold {
 public:
  // A hold never outlasts this, so a test that dies before `release` cannot hang the sim for good.
  static constexpr std::chrono::seconds kMaxHold{60};

  enum class Phase : uint8_t { kNone, kArmed, kHeld };
  struct State {
    Phase phase = Phase::kNone;
    SimLink link = SimLink::kPcsc;
    HoldTrigger trigger = HoldTrigger::kCtapGetInfo;
  };

  explicit LinkHold(SimLog& log) : log_(log) {}

  // One hold at a time: an error while another is armed or held. The hold is used once.
  Status arm(SimLink link, HoldTrigger trigger);
  // Ends a hold (the held link goes on) or disarms one that has not taken effect; an error when neither.
  Status release();
  // Waits until an armed hold takes effect; an error when nothing is armed or it did not within `timeout`.
  Status wait_held(std::chrono::milliseconds timeout);
  State state() const;
  // For the links: `link` has just sent the answer that completed `answered`. When the armed hold
  // matches, the calling thread (the link) stops here until release(), shutdown() or kMaxHold.
  void after_answer(SimLink link, std::optional<HoldTrigger> answered);
  // The same for a link that serves several connections on one thread (the CTAPHID socket): instead of
  // waiting, it gets a function that says whether the hold is still in effect (empty: no hold), and
  // reads nothing more from the connection that got the answer while it returns true.
  std::function<bool()> hold_if_armed(SimLink link, std::optional<HoldTrigger> answered);
  // Ends any hold for good (the sim is stopping).
  void shutdown();

 private:
  using Clock = std::chrono::steady_clock;
  // Under mu_: takes the armed hold when it matches; the release count it waits to change.
  std::optional<uint64_t> take_locked(SimLink link, std::optional<HoldTrigger> answered);
  // Under mu_: whether the hold taken at `release` still holds; ends it once kMaxHold has passed.
  bool still_held_locked(uint64_t release, Clock::time_point deadline);

  SimLog& log_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  State state_;
  uint64_t releases_ = 0;
  bool shut_down_ = false;
};

}  // namespace keydesk::sim
