// A PIN-like reference (PIN, PUK) with its retry counter. The ACA and PIV applets share one PIN and one
// PUK object (the PIN is the PIV PIN: one reference, one counter).
#pragma once

#include <cstdint>

#include "card/applet.h"

namespace keydesk::card::pin {

enum class VerifyOutcome { kOk, kWrong, kBlocked, kNotInitialized };

class PinReference {
 public:
  // A wrong value decrements, a right one restores the maximum, 0 blocks.
  VerifyOutcome verify(ByteView candidate);
  void set(ByteView value);   // sets the value and restores the counter to its maximum
  void set_max(uint8_t max);  // also restores the counter
  void reset_counter() { remaining_ = max_; }
  void clear();  // not initialized

  bool initialized() const { return initialized_; }
  bool blocked() const { return initialized_ && remaining_ == 0; }
  uint8_t remaining() const { return remaining_; }
  uint8_t max() const { return max_; }
  bool is_default() const { return initialized_ && equal_ct(value_, default_); }
  const Bytes& default_value() const { return default_; }
  void set_default_value(ByteView v) { default_.assign(v.begin(), v.end()); }

  json save() const;
  Status load(const json& j);

 private:
  Bytes value_;
  Bytes default_;  // the factory value, to report "still default" without an attempt
  uint8_t max_ = 3;
  uint8_t remaining_ = 3;
  bool initialized_ = false;
};

}  // namespace keydesk::card::pin
