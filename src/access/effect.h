// What an operation may do to a token, declared before the token is opened: a CLI command (the command
// table), a help-desk request, a provisioning step. The declared effect decides the channel the operation
// gets (access/channel.h): a read-only operation only ever reaches the token through the read-only guard
// and the read-only CTAP rule, whatever its code then sends. Those admit exactly the instructions and CTAP
// requests whose protocol::InstructionEffect (protocol/instruction.h, one per wire instruction) is kReads.
#pragma once

#include <string_view>

namespace keydesk::access {

enum class Effect {
  kLocal,          // no token at all (explain, demo)
  kReadOnly,       // every APDU through the read-only guard, every CTAP request through its CTAP rule
  kSpendsRetry,    // one PIN/PUK/FIDO PIN attempt behind the retry interlock (runbook/retry_interlock.h)
  kWritesSecrets,  // sets a PIN, PUK, key or credential that must be recorded before it is set
  kDestroysData,   // wipes applets or passkeys: needs the token's CUID confirmed and says what survives
};

// The words `keydesk help` prints in brackets ("read-only", "DESTROYS DATA").
const char* effect_name(Effect effect);
// One sentence on what the effect allows, for per-command help.
std::string_view effect_meaning(Effect effect);

}  // namespace keydesk::access
