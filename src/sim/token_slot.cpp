#include "sim/token_slot.h"

#include "iso7816/cplc.h"

namespace keydesk::sim {

void TokenSlot::bump() {
  ++generation_;
  changed_.notify_all();
}

void TokenSlot::remove() {
  std::lock_guard lock(mu_);
  inserted_ = false;
  bump();  // first: a request the power loss below releases from a freeze sees the new generation
  card_.power_cycle();
}

void TokenSlot::insert() {
  std::lock_guard lock(mu_);
  inserted_ = true;
  changed_.notify_all();
}

void TokenSlot::power_cycle() {
  std::lock_guard lock(mu_);
  bump();
  card_.power_cycle();
}

bool TokenSlot::wait_until_inserted(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, timeout, [this] { return inserted_.load(); });
}

SimStatus TokenSlot::status() {
  const card::CardContext& context = card_.context();
  const auto freeze = card_.freeze_state();
  return SimStatus{inserted(),
                   context.presence.mode(),
                   context.identity.profile,
                   iso7816::Cplc{context.identity.cplc}.cuid_hex(),
                   context.identity.serial,
                   {},
                   freeze.frozen || freeze.armed_after.has_value(),
                   freeze.held};
}

}  // namespace keydesk::sim
