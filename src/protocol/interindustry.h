// The commands the card itself answers whichever applet is selected: SELECT by AID and GET RESPONSE
// (ISO 7816-4 sections 11.1.1 and 11.4.1), and GET DATA of the GlobalPlatform CPLC (the CUID's source,
// GlobalPlatform Card Specification, "GET DATA").
#pragma once

#include <cstdint>

#include "protocol/instruction.h"

namespace keydesk::protocol::interindustry {

inline constexpr uint8_t kInsSelect = 0xA4;
inline constexpr uint8_t kSelectByAid = 0x04;     // P1
inline constexpr uint8_t kSelectNoAnswer = 0x0C;  // P2: no response data
inline constexpr uint8_t kInsGetResponse = 0xC0;
inline constexpr uint8_t kInsGetData = 0xCA;
inline constexpr uint8_t kCplcP1 = 0x9F, kCplcP2 = 0x7F;  // the CPLC data object, tag 9F7F

inline constexpr Instruction kInstructions[] = {
    {.cla = 0x00,
     .ins = kInsSelect,
     .p1 = exactly(kSelectByAid),
     .data = DataRule::kPresent,
     .name = "SELECT",
     .effect = InstructionEffect::kReads},
    {.cla = 0x00,
     .ins = kInsGetResponse,
     .data = DataRule::kAbsent,
     .name = "GET RESPONSE",
     .effect = InstructionEffect::kReads},
    {.cla = 0x00,
     .ins = kInsGetData,
     .p1 = exactly(kCplcP1),
     .p2 = exactly(kCplcP2),
     .data = DataRule::kAbsent,
     .name = "GET DATA (CPLC)",
     .effect = InstructionEffect::kReads},
    {.cla = 0x80,
     .ins = kInsGetData,
     .p1 = exactly(kCplcP1),
     .p2 = exactly(kCplcP2),
     .data = DataRule::kAbsent,
     .name = "GET DATA (CPLC)",
     .effect = InstructionEffect::kReads},
};

}  // namespace keydesk::protocol::interindustry
