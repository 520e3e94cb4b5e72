// The Yubico management applet (device information and configuration, as yubikit's management module
// and ykman use it), written down once for the card applet (card/mgmt), the read-only guard and the trace.
// keydesk-sim implements READ CONFIG, which `ykman info` needs.
#pragma once

#include <cstdint>

#include "protocol/instruction.h"

namespace keydesk::protocol::yubico_mgmt {

inline constexpr uint8_t kAid[] = {0xA0, 0x00, 0x00, 0x05, 0x27, 0x47, 0x11, 0x17};

inline constexpr uint8_t kInsSetMode = 0x16;
inline constexpr uint8_t kInsWriteConfig = 0x1C;
inline constexpr uint8_t kInsReadConfig = 0x1D;
inline constexpr uint8_t kInsDeviceReset = 0x1F;

// READ CONFIG items: a length byte, then these TLVs.
inline constexpr uint32_t kTagUsbSupported = 0x01;
inline constexpr uint32_t kTagSerial = 0x02;
inline constexpr uint32_t kTagUsbEnabled = 0x03;
inline constexpr uint32_t kTagFormFactor = 0x04;
inline constexpr uint32_t kTagVersion = 0x05;
inline constexpr uint32_t kTagAutoEjectTimeout = 0x06;
inline constexpr uint32_t kTagChallengeResponseTimeout = 0x07;
inline constexpr uint32_t kTagDeviceFlags = 0x08;
inline constexpr uint32_t kTagConfigLock = 0x0A;

// Capability bits (USB supported / enabled).
inline constexpr uint16_t kCapOtp = 0x0001;
inline constexpr uint16_t kCapU2f = 0x0002;
inline constexpr uint16_t kCapOpenPgp = 0x0008;
inline constexpr uint16_t kCapPiv = 0x0010;
inline constexpr uint16_t kCapOath = 0x0020;
inline constexpr uint16_t kCapFido2 = 0x0200;

// Form factor: the low bits name it (USB-A keychain 01 ... USB-C Bio keychain 05), 80 FIPS, 40 SKY.
inline constexpr uint8_t kMaxFormFactor = 0x05;
inline constexpr uint8_t kFormFactorFlags = 0xC0;

inline constexpr Instruction kInstructions[] = {
    {.ins = kInsReadConfig,
     .data = DataRule::kAbsent,
     .name = "READ CONFIG",
     .effect = InstructionEffect::kReads},
    {.ins = kInsWriteConfig, .name = "WRITE CONFIG", .effect = InstructionEffect::kWrites},
    {.ins = kInsSetMode, .name = "SET MODE", .effect = InstructionEffect::kWrites},
    {.ins = kInsDeviceReset, .name = "DEVICE RESET", .effect = InstructionEffect::kDestroys},
};

}  // namespace keydesk::protocol::yubico_mgmt
