// The PIV namespace as one table each: the key slots (with their certificate objects and default PIN
// policies) and the data objects GET DATA / PUT DATA accept (with their read access).
#pragma once

#include <cstdint>
#include <optional>

#include "card/piv/piv_defs.h"

namespace keydesk::card::piv {

struct KeySlot {
  uint8_t ref;            // key reference (P2 of GENERAL AUTHENTICATE / GENERATE, P1 of ATTEST)
  uint32_t cert_object;   // the object holding its certificate
  PinPolicy default_pin;  // what policy 00 means for this slot
};
// 9A, 9C, 9D, 9E, the retired 82..95 and Yubico's attestation slot F9; nullopt for anything else.
std::optional<KeySlot> find_key_slot(uint8_t ref);
// Replaces "default" (00) by what the slot does by default: its PIN policy, no touch.
KeyPolicy resolve_policy(KeyPolicy requested, const KeySlot& slot);

struct DataObject {
  uint32_t id;            // e.g. 0x5FC102 (CHUID), 0x7E (Discovery)
  bool pin_protected;     // GET DATA needs the PIN (printed information, biometrics, pairing code)
  uint32_t template_tag;  // the tag wrapping its content on the wire: 53, or the object's own template tag
};
std::optional<DataObject> find_data_object(uint32_t id);

// SP 800-73-4 Part 1 section 3.3.2: 4F <PIV AID> 5F2F <PIN usage policy>. Read-only, fixed at manufacture.
inline constexpr uint32_t kDiscoveryObject = 0x7E;
inline constexpr uint32_t kChuidObject = 0x5FC102;
inline constexpr uint32_t kCccObject = 0x5FC107;
inline constexpr uint32_t kAttestationCertObject = 0x5FFF01;
// Largest object content a YubiKey 4/5 stores (yubico-piv-tool: 3072 - 9).
inline constexpr size_t kMaxObjectSize = 3063;

}  // namespace keydesk::card::piv
