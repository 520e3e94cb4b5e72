// Instructions as data. Each protocol header (piv.h, ykoath.h, aca.h, yubico_mgmt.h, ctap.h) lists its
// instructions once, with what each one may do to the token and which of its fields are secret. The card
// applets dispatch on the same constants; the read-only guard admits only what these tables call a read
// (transport/readonly_guard.h); the trace masks what they call secret (protocol/masking.h); and a unit
// test runs every read against the simulated token and proves that nothing changed.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "iso7816/apdu.h"

namespace keydesk::protocol {

// What one instruction may do to the token, in increasing order of harm. Not to be confused with
// access::Effect (access/effect.h), what a whole OPERATION declares before it opens a token: an operation
// declared kReadOnly gets a channel that admits only instructions whose InstructionEffect is kReads. A row
// takes the worst effect of any outcome: a PIN that is right writes nothing but a wrong one spends a try, so
// VERIFY spends a retry.
enum class InstructionEffect : uint8_t {
  kReads,        // reads stored data: no counter, no stored data and no security status changes
  kUsesKey,      // exercises a stored key or secret (signs, MACs, attests) and changes nothing stored
  kWrites,       // changes stored data or the security status (a key, a credential, "PIN verified")
  kSpendsRetry,  // a wrong value spends a try of a PIN, PUK, key or signature counter
  kDestroys,     // erases keys, credentials or references
};
const char* instruction_effect_name(InstructionEffect effect);

// P1 or P2: any value, or exactly one.
struct ByteRule {
  bool any = true;
  uint8_t value = 0;
  constexpr bool matches(uint8_t b) const { return any || b == value; }
};
inline constexpr ByteRule kAnyByte{};
constexpr ByteRule exactly(uint8_t value) {
  return {false, value};
}

// The command data field.
enum class DataRule : uint8_t { kAny, kAbsent, kPresent };

// A request of another protocol carried in the data field, judged by that protocol's own table.
enum class Carries : uint8_t {
  kNothing,
  kCtap2Request,  // NFCCTAP MSG: a CTAP 2.1 command byte and its CBOR (protocol/ctap.h)
  kCtap1Message,  // U2F over ISO 7816: the instruction is itself a CTAP1/U2F message (protocol/u2f.h)
};

struct Instruction {
  uint8_t cla = 0x00;
  uint8_t ins = 0x00;
  ByteRule p1 = kAnyByte;
  ByteRule p2 = kAnyByte;
  DataRule data = DataRule::kAny;
  std::string_view name;
  InstructionEffect effect = InstructionEffect::kReads;
  // The data field holds a PIN, PUK, key or cryptogram (in one of its data objects or as a whole). The
  // trace masks the whole field: a malformed command may hold the secret anywhere.
  bool data_secret = false;
  // The answer proves possession of a key or carries secret material.
  bool response_secret = false;
  Carries carries = Carries::kNothing;

  constexpr bool matches(const iso7816::CommandApdu& c) const {
    if (c.cla != cla || c.ins != ins || !p1.matches(c.p1) || !p2.matches(c.p2)) return false;
    switch (data) {
      case DataRule::kAbsent:
        return c.data.empty();
      case DataRule::kPresent:
        return !c.data.empty();
      case DataRule::kAny:
        return true;
    }
    return false;
  }
};

// The first row of `table` that describes `c`, or nullptr.
const Instruction* find_instruction(std::span<const Instruction> table, const iso7816::CommandApdu& c);

}  // namespace keydesk::protocol
