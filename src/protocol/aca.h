// Wire definition of keydesk's open access-control applet protocol (docs/aca-protocol.md), shared by the
// card (card/aca/AcaApplet), the host (host/aca/AcaSession), the read-only guard and the trace, so each
// byte is defined once; and the XAUTH cryptogram, which a help desk computes without any token link.
#pragma once

#include <array>
#include <cstdint>

#include "core/result.h"
#include "crypto/cipher.h"
#include "protocol/instruction.h"

namespace keydesk::protocol::aca {

// Proprietary ('F') AID: F0 || "keydeskACA".
inline constexpr std::array<uint8_t, 11> kAid = {0xF0, 0x6B, 0x65, 0x79, 0x64, 0x65,
                                                 0x73, 0x6B, 0x41, 0x43, 0x41};
inline constexpr uint8_t kProprietaryCla = 0x80;
inline constexpr uint8_t kPinReference = 0x80;
// VERIFY P1: FF ends the PIN-verified state of the session (docs/aca-protocol.md section 3.1).
inline constexpr uint8_t kVerifyLogout = 0xFF;

// ISO instructions (CLA 00).
inline constexpr uint8_t kInsVerify = 0x20;
inline constexpr uint8_t kInsChangeReferenceData = 0x24;
inline constexpr uint8_t kInsResetRetryCounter = 0x2C;
inline constexpr uint8_t kInsExternalAuthenticate = 0x82;
inline constexpr uint8_t kInsGetChallenge = 0x84;

// Proprietary instructions (CLA 80).
inline constexpr uint8_t kInsUnblockWithXauth = 0x2C;
inline constexpr uint8_t kInsGetProperties = 0x30;
inline constexpr uint8_t kInsSetProperties = 0x32;
inline constexpr uint8_t kInsPutPuk = 0x34;
inline constexpr uint8_t kInsPutXauthKey = 0x36;

// Command data objects.
inline constexpr uint32_t kTagPin = 0xC0;
inline constexpr uint32_t kTagNewPin = 0xC1;
inline constexpr uint32_t kTagPuk = 0xC2;
inline constexpr uint32_t kTagXauthAlgorithm = 0xC3;
inline constexpr uint32_t kTagXauthKey = 0xC4;
inline constexpr uint32_t kTagXauthChallengeType = 0xC5;

// GET PROPERTIES items, one byte each (the writable ones are also SET PROPERTIES items).
inline constexpr uint32_t kPropPinTries = 0x81;
inline constexpr uint32_t kPropPinMaxTries = 0x82;
inline constexpr uint32_t kPropPukTries = 0x83;
inline constexpr uint32_t kPropPukMaxTries = 0x84;
inline constexpr uint32_t kPropPukInitialized = 0x85;
inline constexpr uint32_t kPropXauthInitialized = 0x86;
inline constexpr uint32_t kPropXauthChallengeType = 0x87;
inline constexpr uint32_t kPropXauthAlgorithm = 0x88;
inline constexpr uint32_t kPropXauthTries = 0x89;
inline constexpr uint32_t kPropXauthMaxTries = 0x8A;
inline constexpr uint32_t kPropMinPinLength = 0x8B;
inline constexpr uint32_t kPropMaxPinLength = 0x8C;
inline constexpr uint32_t kPropPinSharedWithFido = 0x8D;
inline constexpr uint32_t kPropForcePinChange = 0x8E;
inline constexpr uint32_t kPropPinIsInitial = 0x8F;

// docs/aca-protocol.md section 3.
inline constexpr Instruction kInstructions[] = {
    {.ins = kInsVerify,
     .p1 = exactly(0x00),
     .data = DataRule::kAbsent,
     .name = "VERIFY (PIN status)",
     .effect = InstructionEffect::kReads},
    {.ins = kInsVerify,
     .p1 = exactly(0x00),
     .data = DataRule::kPresent,
     .name = "VERIFY",
     .effect = InstructionEffect::kSpendsRetry,
     .data_secret = true},
    {.ins = kInsVerify,
     .p1 = exactly(kVerifyLogout),
     .data = DataRule::kAbsent,
     .name = "VERIFY (reset security status)",
     .effect = InstructionEffect::kWrites},
    {.ins = kInsChangeReferenceData,
     .name = "CHANGE REFERENCE DATA",
     .effect = InstructionEffect::kSpendsRetry,
     .data_secret = true},
    {.ins = kInsResetRetryCounter,
     .name = "RESET RETRY COUNTER",
     .effect = InstructionEffect::kSpendsRetry,
     .data_secret = true},
    {.ins = kInsGetChallenge, .name = "GET CHALLENGE", .effect = InstructionEffect::kWrites},
    {.ins = kInsExternalAuthenticate,
     .name = "EXTERNAL AUTHENTICATE",
     .effect = InstructionEffect::kSpendsRetry,
     .data_secret = true},
    {.cla = kProprietaryCla,
     .ins = kInsUnblockWithXauth,
     .name = "UNBLOCK PIN (XAUTH)",
     .effect = InstructionEffect::kWrites,
     .data_secret = true},
    {.cla = kProprietaryCla,
     .ins = kInsGetProperties,
     .data = DataRule::kAbsent,
     .name = "GET PROPERTIES",
     .effect = InstructionEffect::kReads},
    {.cla = kProprietaryCla,
     .ins = kInsSetProperties,
     .name = "SET PROPERTIES",
     .effect = InstructionEffect::kWrites},
    {.cla = kProprietaryCla,
     .ins = kInsPutPuk,
     .name = "PUT PUK",
     .effect = InstructionEffect::kWrites,
     .data_secret = true},
    {.cla = kProprietaryCla,
     .ins = kInsPutXauthKey,
     .name = "PUT XAUTH KEY",
     .effect = InstructionEffect::kWrites,
     .data_secret = true},
};

// What the holder of the XAUTH key answers to a challenge: E_K(challenge), the key's block cipher in ECB
// over exactly one block (docs/aca-protocol.md section 3.5). kUsage when the challenge is not one block.
Result<Bytes> xauth_cryptogram(crypto::BlockCipher cipher, ByteView key, ByteView challenge);

}  // namespace keydesk::protocol::aca
