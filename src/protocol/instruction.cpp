#include "protocol/instruction.h"

namespace keydesk::protocol {

const char* effect_name(Effect effect) {
  switch (effect) {
    case Effect::kReads:
      return "reads";
    case Effect::kUsesKey:
      return "uses a key";
    case Effect::kWrites:
      return "writes";
    case Effect::kSpendsRetry:
      return "spends a retry";
    case Effect::kDestroys:
      return "destroys";
  }
  return "unknown";
}

const Instruction* find_instruction(std::span<const Instruction> table, const iso7816::CommandApdu& c) {
  for (const Instruction& row : table)
    if (row.matches(c)) return &row;
  return nullptr;
}

}  // namespace keydesk::protocol
