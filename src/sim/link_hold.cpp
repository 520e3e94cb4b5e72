#include "sim/link_hold.h"

#include "iso7816/apdu.h"
#include "protocol/ctap.h"
#include "protocol/interindustry.h"

namespace keydesk::sim {
namespace {
namespace ctap = protocol::ctap;
namespace nfcctap = protocol::ctap::nfcctap;
constexpr uint8_t kCtapGetInfo = static_cast<uint8_t>(ctap::Command::kGetInfo);
constexpr uint8_t kCtapOk = static_cast<uint8_t>(ctap::Status::kOk);

std::string describe_hold(SimLink link, HoldTrigger trigger) {
  return std::string(sim_link_name(link)) + " after " + hold_trigger_name(trigger);
}
}  // namespace

const char* sim_link_name(SimLink link) {
  return link == SimLink::kPcsc ? "pcsc" : "ctaphid";
}

std::optional<SimLink> parse_sim_link(std::string_view name) {
  if (name == "pcsc") return SimLink::kPcsc;
  if (name == "ctaphid") return SimLink::kCtaphid;
  return std::nullopt;
}

const char* hold_trigger_name(HoldTrigger) {
  return "ctap-getinfo";
}

std::optional<HoldTrigger> parse_hold_trigger(std::string_view name) {
  if (name == "ctap-getinfo") return HoldTrigger::kCtapGetInfo;
  return std::nullopt;
}

std::optional<HoldTrigger> trigger_of_ctap(ByteView request, ByteView response) {
  if (request.size() == 1 && request[0] == kCtapGetInfo && !response.empty() && response[0] == kCtapOk)
    return HoldTrigger::kCtapGetInfo;
  return std::nullopt;
}

std::optional<HoldTrigger> NfcctapAnswerWatch::completed(ByteView apdu, ByteView response) {
  const auto command = iso7816::parse_command(apdu);
  if (!command || response.size() < 2) {
    continuing_.reset();
    return std::nullopt;
  }
  const uint8_t sw1 = response[response.size() - 2], sw2 = response[response.size() - 1];
  const iso7816::StatusWord sw(static_cast<uint16_t>(sw1 << 8 | sw2));
  const bool more = sw.more_data();
  const bool done = sw.ok();
  std::optional<HoldTrigger> answering;
  if (command->cla == nfcctap::kCla && command->ins == nfcctap::kInsMsg) {
    // The status byte comes first: the first part of the answer is enough to judge it.
    answering = trigger_of_ctap(command->data, response.first(response.size() - 2));
  } else if (command->ins == protocol::interindustry::kInsGetResponse &&
             (command->cla == 0x00 || command->cla == nfcctap::kCla)) {
    answering = continuing_;
  }
  continuing_.reset();
  if (!answering) return std::nullopt;
  if (more) {
    continuing_ = answering;
    return std::nullopt;
  }
  return done ? answering : std::nullopt;
}

Status LinkHold::arm(SimLink link, HoldTrigger trigger) {
  std::lock_guard lock(mu_);
  if (state_.phase != Phase::kNone)
    return Error::make(ErrorKind::kUsage, "a hold is already " +
                                              std::string(state_.phase == Phase::kArmed ? "armed" : "held") +
                                              " (" + describe_hold(state_.link, state_.trigger) + ")");
  state_ = {Phase::kArmed, link, trigger};
  log_.event("control: hold armed: " + describe_hold(link, trigger));
  return {};
}

Status LinkHold::release() {
  std::lock_guard lock(mu_);
  if (state_.phase == Phase::kNone) return Error::make(ErrorKind::kUsage, "no hold is armed or held");
  log_.event(std::string("control: hold ") + (state_.phase == Phase::kHeld ? "released" : "disarmed") + ": " +
             describe_hold(state_.link, state_.trigger));
  state_.phase = Phase::kNone;
  ++releases_;
  changed_.notify_all();
  return {};
}

Status LinkHold::wait_held(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (state_.phase == Phase::kNone) return Error::make(ErrorKind::kUsage, "no hold is armed");
  if (!changed_.wait_for(lock, timeout, [&] { return state_.phase != Phase::kArmed || shut_down_; }))
    return Error::make(ErrorKind::kNotFound, "no answer took the hold (" +
                                                 describe_hold(state_.link, state_.trigger) + ") within " +
                                                 std::to_string(timeout.count()) + " ms");
  if (shut_down_) return Error::make(ErrorKind::kUsage, "keydesk-sim is stopping");
  if (state_.phase != Phase::kHeld) return Error::make(ErrorKind::kUsage, "the hold was released unused");
  return {};
}

LinkHold::State LinkHold::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

std::optional<uint64_t> LinkHold::take_locked(SimLink link, std::optional<HoldTrigger> answered) {
  if (shut_down_ || state_.phase != Phase::kArmed || state_.link != link || answered != state_.trigger)
    return std::nullopt;
  state_.phase = Phase::kHeld;
  log_.event("hold: " + describe_hold(link, *answered) + " in effect: " + sim_link_name(link) +
             " answers nothing more until release");
  changed_.notify_all();
  return releases_;
}

bool LinkHold::still_held_locked(uint64_t release, Clock::time_point deadline) {
  if (releases_ != release || shut_down_) return false;
  if (Clock::now() < deadline) return true;
  log_.event("hold: released after " + std::to_string(kMaxHold.count()) + " s without a release command");
  state_.phase = Phase::kNone;
  ++releases_;
  changed_.notify_all();
  return false;
}

void LinkHold::after_answer(SimLink link, std::optional<HoldTrigger> answered) {
  std::unique_lock lock(mu_);
  const auto release = take_locked(link, answered);
  if (!release) return;
  const auto deadline = Clock::now() + kMaxHold;
  while (still_held_locked(*release, deadline)) changed_.wait_until(lock, deadline);
}

std::function<bool()> LinkHold::hold_if_armed(SimLink link, std::optional<HoldTrigger> answered) {
  std::lock_guard lock(mu_);
  const auto release = take_locked(link, answered);
  if (!release) return {};
  const auto deadline = Clock::now() + kMaxHold;
  return [this, release = *release, deadline] {
    std::lock_guard inner(mu_);
    return still_held_locked(release, deadline);
  };
}

void LinkHold::shutdown() {
  std::lock_guard lock(mu_);
  shut_down_ = true;
  changed_.notify_all();
}

}  // namespace keydesk::sim
