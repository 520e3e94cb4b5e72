// Every applet keydesk speaks, by AID, with its instruction table: how the read-only guard and the trace
// know which table a command falls under once they have seen its SELECT.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/bytes.h"
#include "protocol/instruction.h"

namespace keydesk::protocol {

enum class AppletId : uint8_t { kNone, kPiv, kOath, kAca, kManagement, kFido };

struct AppletProtocol {
  AppletId id;
  const char* name;  // "PIV", "OATH", "ACA", "management", "FIDO"
  ByteView aid;      // the full AID
  std::span<const Instruction> instructions;
};

std::span<const AppletProtocol> applets();
// "none" for kNone.
const char* applet_name(AppletId id);
// The applet a SELECT of `aid` reaches: the SELECT names a prefix (at least 5 bytes) of its AID, or the
// full AID followed by a version suffix; kNone when none matches or the prefix is ambiguous.
AppletId applet_for_aid(ByteView aid);

// The row describing `c` with `applet` selected: the card's own commands (SELECT, GET RESPONSE, CPLC) first,
// then the applet's table; nullptr when no row describes it.
const Instruction* find_instruction(AppletId applet, const iso7816::CommandApdu& c);

}  // namespace keydesk::protocol
