// PIV as keydesk speaks it, written down once: NIST SP 800-73-4 Part 2 (card commands) with the Yubico
// extensions ykman, yubico-piv-tool and OpenSC use (GET VERSION / SERIAL / METADATA, SET MANAGEMENT KEY,
// SET PIN RETRIES, RESET, IMPORT KEY, ATTEST). The card applet (card/piv), the host session (host/piv),
// the read-only guard and the trace all use these definitions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "protocol/instruction.h"

namespace keydesk::protocol::piv {

// SP 800-73-4 Part 1 section 2.2: RID A0 00 00 03 08, PIX 00 00 10 00 01 00. Hosts SELECT the first five
// bytes (kAidPrefix), as yubico-piv-tool and OpenSC do; the card matches any prefix of at least five.
inline constexpr uint8_t kAid[] = {0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00};
inline constexpr ByteView kAidPrefix{kAid, 5};

// Instructions (CLA 00).
inline constexpr uint8_t kInsVerify = 0x20;
inline constexpr uint8_t kInsChangeReferenceData = 0x24;
inline constexpr uint8_t kInsResetRetryCounter = 0x2C;
inline constexpr uint8_t kInsGenerateKeyPair = 0x47;
inline constexpr uint8_t kInsGeneralAuthenticate = 0x87;
inline constexpr uint8_t kInsGetData = 0xCB;
inline constexpr uint8_t kInsPutData = 0xDB;
// Yubico extensions.
inline constexpr uint8_t kInsAttest = 0xF9;
inline constexpr uint8_t kInsSetPinRetries = 0xFA;
inline constexpr uint8_t kInsReset = 0xFB;
inline constexpr uint8_t kInsGetVersion = 0xFD;
inline constexpr uint8_t kInsImportKey = 0xFE;
inline constexpr uint8_t kInsSetManagementKey = 0xFF;
inline constexpr uint8_t kInsGetSerial = 0xF8;
inline constexpr uint8_t kInsGetMetadata = 0xF7;

// VERIFY P1: FF resets the PIN's security status (SP 800-73-4 Part 2 section 3.2.1).
inline constexpr uint8_t kVerifyLogout = 0xFF;
// GET DATA / PUT DATA address the data object by P1 P2 = 3F FF and a tag list.
inline constexpr uint8_t kDataP1 = 0x3F, kDataP2 = 0xFF;

// Key references (P2 of VERIFY, CHANGE, GENERAL AUTHENTICATE, GENERATE; P1 of ATTEST).
inline constexpr uint8_t kPinRef = 0x80;
inline constexpr uint8_t kPukRef = 0x81;
inline constexpr uint8_t kManagementRef = 0x9B;
inline constexpr uint8_t kSlotAuthentication = 0x9A;
inline constexpr uint8_t kSlotSignature = 0x9C;
inline constexpr uint8_t kSlotKeyManagement = 0x9D;
inline constexpr uint8_t kSlotCardAuthentication = 0x9E;
inline constexpr uint8_t kAttestationSlot = 0xF9;
// VERIFY, CHANGE and RESET RETRY COUNTER carry each PIN or PUK right-padded with FF to 8 bytes.
inline constexpr size_t kPinFieldSize = 8;
inline constexpr uint8_t kPinPadding = 0xFF;

// Data object tags.
inline constexpr uint32_t kTagObjectId = 0x5C;       // GET / PUT DATA: the object's tag
inline constexpr uint32_t kTagObjectContent = 0x53;  // GET / PUT DATA: the object's content
inline constexpr uint32_t kTagDynamicAuth = 0x7C;    // GENERAL AUTHENTICATE template
inline constexpr uint32_t kTagWitness = 0x80;        // ... its items
inline constexpr uint32_t kTagChallenge = 0x81;
inline constexpr uint32_t kTagResponse = 0x82;
inline constexpr uint32_t kTagExponentiation = 0x85;
inline constexpr uint32_t kTagControlTemplate = 0xAC;  // GENERATE: AC { 80 alg, AA pin, AB touch }
inline constexpr uint32_t kTagAlgorithm = 0x80;
inline constexpr uint32_t kTagPinPolicy = 0xAA;
inline constexpr uint32_t kTagTouchPolicy = 0xAB;
inline constexpr uint32_t kTagPublicKey = 0x7F49;
inline constexpr uint32_t kTagCertificate = 0x70;  // inside a certificate object
inline constexpr uint32_t kTagGuid = 0x34;         // inside the CHUID
// GET METADATA items.
inline constexpr uint32_t kMetaAlgorithm = 0x01, kMetaPolicy = 0x02, kMetaOrigin = 0x03,
                          kMetaPublicKey = 0x04, kMetaIsDefault = 0x05, kMetaRetries = 0x06;

// Algorithm identifiers (P1 of GENERAL AUTHENTICATE, tag 80 of GENERATE, tag 01 of GET METADATA).
enum class Algorithm : uint8_t {
  kTdes = 0x03,
  kRsa1024 = 0x06,
  kRsa2048 = 0x07,
  kAes128 = 0x08,
  kAes192 = 0x0A,
  kAes256 = 0x0C,
  kEccP256 = 0x11,
  kEccP384 = 0x14,
};
bool is_symmetric(Algorithm a);
bool is_rsa(Algorithm a);
bool is_ec(Algorithm a);
std::optional<Algorithm> algorithm_from_byte(uint8_t b);
// Names as yubico-piv-tool spells them ("TDES", "AES192", "RSA2048", "ECCP256"), used in profiles and state.
std::string_view algorithm_name(Algorithm a);
std::optional<Algorithm> algorithm_from_name(std::string_view name);

// Yubico PIN policy (tag AA) and touch policy (tag AB); 00 means "the slot's default".
enum class PinPolicy : uint8_t { kDefault = 0, kNever = 1, kOnce = 2, kAlways = 3 };
enum class TouchPolicy : uint8_t { kDefault = 0, kNever = 1, kAlways = 2, kCached = 3 };
std::optional<PinPolicy> pin_policy_from_byte(uint8_t b);
std::optional<TouchPolicy> touch_policy_from_byte(uint8_t b);
std::string_view policy_name(PinPolicy p);
std::string_view policy_name(TouchPolicy p);
std::optional<PinPolicy> pin_policy_from_name(std::string_view name);
std::optional<TouchPolicy> touch_policy_from_name(std::string_view name);

struct KeyPolicy {
  PinPolicy pin = PinPolicy::kDefault;
  TouchPolicy touch = TouchPolicy::kDefault;
};

// GET METADATA tag 03.
enum class KeyOrigin : uint8_t { kGenerated = 1, kImported = 2 };

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
// The object holding the certificate of key slot `ref`; nullopt for references that are not key slots.
std::optional<uint32_t> certificate_object(uint8_t ref);

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
    {.ins = kInsGeneralAuthenticate,
     .p2 = exactly(kManagementRef),
     .name = "GENERAL AUTHENTICATE (management key)",
     .effect = InstructionEffect::kWrites,
     .data_secret = true,
     .response_secret = true},
    {.ins = kInsGeneralAuthenticate,
     .name = "GENERAL AUTHENTICATE",
     .effect = InstructionEffect::kUsesKey,
     .data_secret = true,
     .response_secret = true},
    {.ins = kInsGenerateKeyPair,
     .name = "GENERATE ASYMMETRIC KEY PAIR",
     .effect = InstructionEffect::kWrites},
    {.ins = kInsGetData,
     .p1 = exactly(kDataP1),
     .p2 = exactly(kDataP2),
     .name = "GET DATA",
     .effect = InstructionEffect::kReads},
    // Also ykman's PIN-protected management key, stored in a data object.
    {.ins = kInsPutData, .name = "PUT DATA", .effect = InstructionEffect::kWrites, .data_secret = true},
    {.ins = kInsGetVersion,
     .data = DataRule::kAbsent,
     .name = "GET VERSION",
     .effect = InstructionEffect::kReads},
    {.ins = kInsGetSerial,
     .data = DataRule::kAbsent,
     .name = "GET SERIAL",
     .effect = InstructionEffect::kReads},
    {.ins = kInsGetMetadata,
     .data = DataRule::kAbsent,
     .name = "GET METADATA",
     .effect = InstructionEffect::kReads},
    {.ins = kInsSetManagementKey,
     .name = "SET MANAGEMENT KEY",
     .effect = InstructionEffect::kWrites,
     .data_secret = true},
    {.ins = kInsImportKey, .name = "IMPORT KEY", .effect = InstructionEffect::kWrites, .data_secret = true},
    {.ins = kInsSetPinRetries, .name = "SET PIN RETRIES", .effect = InstructionEffect::kDestroys},
    {.ins = kInsReset, .name = "RESET", .effect = InstructionEffect::kDestroys},
    {.ins = kInsAttest, .name = "ATTEST", .effect = InstructionEffect::kUsesKey},
};

}  // namespace keydesk::protocol::piv
