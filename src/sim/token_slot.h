// The simulated token as it sits in the virtual reader: the Card plus whether it is inserted. The control
// channel changes that; the vpcd link follows it (drops its connection while the token is out).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "card/card.h"
#include "sim/control_protocol.h"

namespace keydesk::sim {

class TokenSlot {
 public:
  explicit TokenSlot(card::Card& card) : card_(card) {}

  card::Card& card() { return card_; }
  bool inserted() const { return inserted_.load(); }
  // Changes whenever the token leaves the reader (remove, power-cycle); a link that sees a new value
  // drops its connection so the reader notices.
  uint64_t generation() const { return generation_.load(); }

  // The token leaves the reader: power off (volatile state gone).
  void remove();
  void insert();
  // Out and back in at once: power off, and the reader sees the card leave and return.
  void power_cycle();
  // Waits until the token is inserted or `timeout` passes; true when inserted.
  bool wait_until_inserted(std::chrono::milliseconds timeout);

  SimStatus status();

 private:
  void bump();

  card::Card& card_;
  std::atomic<bool> inserted_{true};
  std::atomic<uint64_t> generation_{0};
  std::mutex mu_;
  std::condition_variable changed_;
};

}  // namespace keydesk::sim
