#include <algorithm>
#include <array>

#include "protocol/piv.h"

namespace keydesk::protocol::piv {
namespace {
constexpr uint8_t kFirstRetired = 0x82, kLastRetired = 0x95;
constexpr uint32_t kFirstRetiredCert = 0x5FC10D;

constexpr std::array<KeySlot, 5> kNamedSlots{{
    {0x9A, 0x5FC105, PinPolicy::kOnce},    // PIV Authentication
    {0x9C, 0x5FC10A, PinPolicy::kAlways},  // Digital Signature
    {0x9D, 0x5FC10B, PinPolicy::kOnce},    // Key Management
    {0x9E, 0x5FC101, PinPolicy::kNever},   // Card Authentication
    {kAttestationSlot, kAttestationCertObject, PinPolicy::kNever},
}};

// SP 800-73-4 objects 5FC101..5FC123, Discovery, the BIT group, and Yubico's 5FFF00..5FFF15.
constexpr uint32_t kFirstPivObject = 0x5FC101, kLastPivObject = 0x5FC123;
constexpr uint32_t kFirstYubicoObject = 0x5FFF00, kLastYubicoObject = 0x5FFF15;
constexpr std::array<uint32_t, 5> kPinProtected{0x5FC103, 0x5FC108, 0x5FC109, 0x5FC121, 0x5FC123};
}  // namespace

std::optional<KeySlot> find_key_slot(uint8_t ref) {
  for (const auto& s : kNamedSlots)
    if (s.ref == ref) return s;
  if (ref >= kFirstRetired && ref <= kLastRetired)
    return KeySlot{ref, kFirstRetiredCert + (ref - kFirstRetired), PinPolicy::kOnce};
  return std::nullopt;
}

KeyPolicy resolve_policy(KeyPolicy requested, const KeySlot& slot) {
  if (requested.pin == PinPolicy::kDefault) requested.pin = slot.default_pin;
  if (requested.touch == TouchPolicy::kDefault) requested.touch = TouchPolicy::kNever;
  return requested;
}

std::optional<uint32_t> certificate_object(uint8_t ref) {
  const auto slot = find_key_slot(ref);
  if (!slot) return std::nullopt;
  return slot->cert_object;
}

std::optional<DataObject> find_data_object(uint32_t id) {
  if (id == 0x7E || id == 0x7F61) return DataObject{id, false, id};
  const bool known = (id >= kFirstPivObject && id <= kLastPivObject) ||
                     (id >= kFirstYubicoObject && id <= kLastYubicoObject);
  if (!known) return std::nullopt;
  const bool pin = std::find(kPinProtected.begin(), kPinProtected.end(), id) != kPinProtected.end();
  return DataObject{id, pin, 0x53};
}

}  // namespace keydesk::protocol::piv
