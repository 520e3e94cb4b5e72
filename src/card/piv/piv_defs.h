// PIV identifiers shared by the applet's parts: references, algorithms, policies (SP 800-73-4 + Yubico).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keydesk::card::piv {

inline constexpr uint8_t kPinRef = 0x80;
inline constexpr uint8_t kPukRef = 0x81;
inline constexpr uint8_t kManagementRef = 0x9B;
inline constexpr uint8_t kAttestationSlot = 0xF9;

// Algorithm identifiers (P1 of GENERAL AUTHENTICATE, tag 80 of GENERATE, tag 01 of GET METADATA).
enum class Algorithm : uint8_t {
  kTdes = 0x03,
  kRsa1024 = 0x06,
  kRsa2048 = 0x07,
  kAes128 = 0x08,
  kAes192 = 0x0A,
  kAes256 = 0x0C,
  kEccP256 = 0x11,
  kEccP384 = 0x14,
};
bool is_symmetric(Algorithm a);
bool is_rsa(Algorithm a);
bool is_ec(Algorithm a);
std::optional<Algorithm> algorithm_from_byte(uint8_t b);
// Names as yubico-piv-tool spells them ("TDES", "AES192", "RSA2048", "ECCP256"), used in profiles and state.
std::string_view algorithm_name(Algorithm a);
std::optional<Algorithm> algorithm_from_name(std::string_view name);

// Yubico PIN policy (tag AA) and touch policy (tag AB); 00 means "the slot's default".
enum class PinPolicy : uint8_t { kDefault = 0, kNever = 1, kOnce = 2, kAlways = 3 };
enum class TouchPolicy : uint8_t { kDefault = 0, kNever = 1, kAlways = 2, kCached = 3 };
std::optional<PinPolicy> pin_policy_from_byte(uint8_t b);
std::optional<TouchPolicy> touch_policy_from_byte(uint8_t b);
std::string_view policy_name(PinPolicy p);
std::string_view policy_name(TouchPolicy p);
std::optional<PinPolicy> pin_policy_from_name(std::string_view name);
std::optional<TouchPolicy> touch_policy_from_name(std::string_view name);

struct KeyPolicy {
  PinPolicy pin = PinPolicy::kDefault;
  TouchPolicy touch = TouchPolicy::kDefault;
};

// GET METADATA tag 03.
enum class KeyOrigin : uint8_t { kGenerated = 1, kImported = 2 };

}  // namespace keydesk::card::piv
