// YKOATH (Yubico's OATH applet protocol, developers.yubico.com/OATH/YKOATH_Protocol.html) with keydesk's
// extensions (docs/oath-extensions.md), written down once for the card applet (card/oath), the host
// session (host/oath), the read-only guard and the trace.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/bytes.h"
#include "protocol/instruction.h"

namespace keydesk::protocol::ykoath {

inline constexpr uint8_t kAid[] = {0xA0, 0x00, 0x00, 0x05, 0x27, 0x21, 0x01};

// Instructions (CLA 00). SELECT is also A4: P1 04 selects, P1 00 is CALCULATE ALL.
inline constexpr uint8_t kInsPut = 0x01;
inline constexpr uint8_t kInsDelete = 0x02;
inline constexpr uint8_t kInsSetCode = 0x03;
inline constexpr uint8_t kInsReset = 0x04;
inline constexpr uint8_t kInsRename = 0x05;
inline constexpr uint8_t kInsVerify = 0x20;  // keydesk extension: the card PIN
inline constexpr uint8_t kInsList = 0xA1;
inline constexpr uint8_t kInsCalculate = 0xA2;
inline constexpr uint8_t kInsValidate = 0xA3;
inline constexpr uint8_t kInsCalculateAll = 0xA4;
inline constexpr uint8_t kInsSendRemaining = 0xA5;
inline constexpr uint8_t kInsGetCredentialProperties = 0xB0;  // keydesk extension
// RESET must name itself: P1 P2 = DE AD.
inline constexpr uint8_t kResetP1 = 0xDE, kResetP2 = 0xAD;
// CALCULATE / CALCULATE ALL P2: 01 asks for the truncated response.
inline constexpr uint8_t kTruncated = 0x01;
// VERIFY names the card PIN as PIV does.
inline constexpr uint8_t kPinReference = 0x80;

// Tags.
inline constexpr uint32_t kTagName = 0x71;
inline constexpr uint32_t kTagListEntry = 0x72;
inline constexpr uint32_t kTagKey = 0x73;
inline constexpr uint32_t kTagChallenge = 0x74;
inline constexpr uint32_t kTagFullResponse = 0x75;
inline constexpr uint32_t kTagTruncated = 0x76;
inline constexpr uint32_t kTagHotp = 0x77;      // CALCULATE ALL: event-based, not calculated
inline constexpr uint32_t kTagProperty = 0x78;  // PUT: tag byte + value byte, no length
inline constexpr uint32_t kTagVersion = 0x79;
inline constexpr uint32_t kTagImf = 0x7A;
inline constexpr uint32_t kTagAlgorithm = 0x7B;  // SELECT, with a password set
inline constexpr uint32_t kTagTouch = 0x7C;      // CALCULATE ALL: needs a touch (or the PIN) first
// keydesk extension tags (docs/oath-extensions.md).
inline constexpr uint32_t kTagAccessRules = 0x8A;  // PUT: contact rule, contactless rule
inline constexpr uint32_t kTagProperties = 0xA0;   // GET CREDENTIAL PROPERTIES: one per credential
inline constexpr uint32_t kTagKind = 0x80;
inline constexpr uint32_t kTagDigits = 0x81;
inline constexpr uint32_t kTagCounter = 0x82;
inline constexpr uint32_t kTagPeriod = 0x83;
inline constexpr uint32_t kTagPropertyByte = 0x84;
inline constexpr uint32_t kTagContactRule = 0x85;
inline constexpr uint32_t kTagContactlessRule = 0x86;

// The type|algorithm byte: type in the high nibble, hash in the low one (crypto::hash_from_oath_nibble).
enum class OathType : uint8_t { kHotp = 0x10, kTotp = 0x20 };
inline constexpr uint8_t kTypeMask = 0xF0, kAlgorithmMask = 0x0F;
// The property byte.
inline constexpr uint8_t kPropertyIncreasing = 0x01;  // "only increasing challenge"
inline constexpr uint8_t kPropertyTouch = 0x02;       // "require touch"
// Who may use a credential on one interface (keydesk extension, modelled on ContactUsageACR /
// ContactlessUsageACR): kPin needs the card PIN verified through the applet's VERIFY.
enum class AccessRule : uint8_t { kAlways = 0x00, kPin = 0x01, kTouch = 0x02 };
inline constexpr size_t kMaxNameLength = 64;
// The access key: PBKDF2-HMAC-SHA1(password, salt from SELECT, 1000 iterations, 16 bytes).
inline constexpr unsigned kAccessKeyIterations = 1000;
inline constexpr size_t kAccessKeySize = 16;

inline constexpr Instruction kInstructions[] = {
    // PUT's property item (78) has no length byte: the data is not BER-TLV, so all of it is masked.
    {.ins = kInsPut, .name = "PUT", .effect = InstructionEffect::kWrites, .data_secret = true},
    {.ins = kInsDelete, .name = "DELETE", .effect = InstructionEffect::kDestroys},
    {.ins = kInsSetCode, .name = "SET CODE", .effect = InstructionEffect::kWrites, .data_secret = true},
    {.ins = kInsReset,
     .p1 = exactly(kResetP1),
     .p2 = exactly(kResetP2),
     .name = "RESET",
     .effect = InstructionEffect::kDestroys},
    {.ins = kInsRename, .name = "RENAME", .effect = InstructionEffect::kWrites},
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
     .p1 = exactly(0xFF),
     .data = DataRule::kAbsent,
     .name = "VERIFY (reset security status)",
     .effect = InstructionEffect::kWrites},
    {.ins = kInsList, .data = DataRule::kAbsent, .name = "LIST", .effect = InstructionEffect::kReads},
    // A HOTP calculation advances the credential's counter.
    {.ins = kInsCalculate, .name = "CALCULATE", .effect = InstructionEffect::kWrites},
    // Proves the access key both ways: the host's answer and the card's are secrets.
    {.ins = kInsValidate,
     .name = "VALIDATE",
     .effect = InstructionEffect::kWrites,
     .data_secret = true,
     .response_secret = true},
    // Never advances a counter (HOTP credentials are skipped) but computes with every TOTP secret.
    {.ins = kInsCalculateAll, .name = "CALCULATE ALL", .effect = InstructionEffect::kUsesKey},
    {.ins = kInsSendRemaining,
     .data = DataRule::kAbsent,
     .name = "SEND REMAINING",
     .effect = InstructionEffect::kReads},
    {.ins = kInsGetCredentialProperties,
     .data = DataRule::kAbsent,
     .name = "GET CREDENTIAL PROPERTIES",
     .effect = InstructionEffect::kReads},
};

// The access key a password stands for: PBKDF2-HMAC-SHA1(password, the salt SELECT answers, 1000, 16).
Bytes derive_access_key(std::string_view password, ByteView salt);

}  // namespace keydesk::protocol::ykoath
