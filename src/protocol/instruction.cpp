#include "protocol/instruction.h"

namespace keydesk::protocol {

const char* instruction_effect_name(InstructionEffect effect) {
  switch (effect) {
    case InstructionEffect::kReads:
      return "reads";
    case InstructionEffect::kUsesKey:
      return "uses a key";
    case InstructionEffect::kWrites:
      return "writes";
    case InstructionEffect::kSpendsRetry:
      return "spends a retry";
    case InstructionEffect::kDestroys:
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
