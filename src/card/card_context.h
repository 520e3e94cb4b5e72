// Card-wide state and services shared by the applets of one simulated token.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "card/pin/pin_reference.h"

namespace keydesk::card {

// User presence (touch). The sim's control channel switches the mode; tests deny or grant it.
class UserPresence {
 public:
  enum class Mode { kGrant, kDeny };
  void set_mode(Mode m) { mode_.store(m); }
  Mode mode() const { return mode_.load(); }
  // Asks for a touch; a real token would wait up to its timeout for the user.
  bool request() const { return mode_.load() == Mode::kGrant; }

 private:
  std::atomic<Mode> mode_{Mode::kGrant};
};

// PIN policy and flags of the access-control model (persisted with the PIN and PUK).
struct PinPolicy {
  uint8_t min_length = 6;
  uint8_t max_length = 8;
  bool force_change = false;      // PIN-protected operations refused until the PIN is changed
  bool shared_with_fido = false;  // informational: this simulated token keeps FIDO's PIN separate
};

struct CardIdentity {
  Bytes atr;
  Bytes cplc;  // GlobalPlatform CPLC data (without the 9F7F tag), 42 bytes
  uint32_t serial = 0;
  uint8_t version[3] = {5, 4, 3};  // firmware version reported by Yubico-style applets
  std::string profile;
};

struct CardContext {
  CardIdentity identity;
  pin::PinReference pin;  // the PIV PIN (also the ACA PIN)
  pin::PinReference puk;  // the PIV PUK
  PinPolicy policy;
  UserPresence presence;
  std::chrono::steady_clock::time_point powered_on_at = std::chrono::steady_clock::now();
};

}  // namespace keydesk::card
