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
  card_.power_cycle();
  bump();
}

void TokenSlot::insert() {
  std::lock_guard lock(mu_);
  inserted_ = true;
  changed_.notify_all();
}

void TokenSlot::power_cycle() {
  std::lock_guard lock(mu_);
  card_.power_cycle();
  bump();
}

bool TokenSlot::wait_until_inserted(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, timeout, [this] { return inserted_.load(); });
}

SimStatus TokenSlot::status() {
  const card::CardContext& context = card_.context();
  return SimStatus{inserted(),
                   context.presence.mode(),
                   context.identity.profile,
                   iso7816::Cplc{context.identity.cplc}.cuid_hex(),
                   context.identity.serial,
                   {}};
}

}  // namespace keydesk::sim
