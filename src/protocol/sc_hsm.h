// Wire definition of the SmartCard-HSM (CardContact; sold as Nitrokey HSM 2), written down once for the
// simulated applet (card/hsm), the host session (host/hsm) and the read-only guard. Facts from the
// SmartCard-HSM's public interface as OpenSC uses it (docs/hsm.md lists what each instruction may spend).
// Self-contained: each instruction is a row with what it does to the token, so it folds into a table of
// instructions with effects.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "protocol/instruction.h"

namespace keydesk::protocol::sc_hsm {

// OID 1.3.6.1.4.1.24991.2.1 (CardContact, iso7816, smartcardhsm) as the applet's AID.
inline constexpr std::array<uint8_t, 11> kAid = {0xE8, 0x2B, 0x06, 0x01, 0x04, 0x01,
                                                 0x81, 0xC3, 0x1F, 0x02, 0x01};

inline constexpr uint8_t kIsoCla = 0x00;
inline constexpr uint8_t kProprietaryCla = 0x80;

// PIN references (VERIFY P2, CHANGE REFERENCE DATA P2, RESET RETRY COUNTER P2).
inline constexpr uint8_t kUserPin = 0x81;
inline constexpr uint8_t kSoPin = 0x88;  // the SO-PIN ("initialization code")
// References OpenSC queries for a PIN pad / biometric template; absent on a plain device (6A88).
inline constexpr uint8_t kPinPadReference = 0x85;
inline constexpr uint8_t kBioReference = 0x86;

inline constexpr size_t kSoPinBytes = 8;  // entered as 16 hexadecimal digits
inline constexpr size_t kSoPinHexDigits = 16;
inline constexpr uint8_t kSoPinMaxTries = 15;  // cannot be unblocked; no factory reset exists
inline constexpr size_t kUserPinMinLength = 6, kUserPinMaxLength = 16;
inline constexpr uint8_t kUserPinDefaultTries = 3, kUserPinMaxTries = 10;

inline constexpr uint8_t kInsSelect = 0xA4;
inline constexpr uint8_t kInsVerify = 0x20;
inline constexpr uint8_t kInsChangeReferenceData = 0x24;
inline constexpr uint8_t kInsResetRetryCounter = 0x2C;
inline constexpr uint8_t kInsGenerateKeyPair = 0x46;
inline constexpr uint8_t kInsInitialize = 0x50;
inline constexpr uint8_t kInsImportDkekShare = 0x52;
inline constexpr uint8_t kInsEnumerateObjects = 0x58;
inline constexpr uint8_t kInsDecipher = 0x62;
inline constexpr uint8_t kInsSign = 0x68;
inline constexpr uint8_t kInsGetChallenge = 0x84;
inline constexpr uint8_t kInsReadBinary = 0xB1;    // odd INS: data 54 02 <offset>
inline constexpr uint8_t kInsUpdateBinary = 0xD7;  // odd INS: data 54 02 <offset> 53 L <data>
inline constexpr uint8_t kInsDeleteFile = 0xE4;

// The instruction table (protocol/instruction.h): the read-only guard admits the kReads rows, the trace
// masks the secret ones. SELECT by AID is the card's own row (protocol/interindustry.h); the first row
// that matches decides, so the data-less forms (status queries) come before the general ones.
inline constexpr Instruction kInstructions[] = {
    {kIsoCla, kInsSelect, exactly(0x00), kAnyByte, DataRule::kPresent, "SELECT FILE",
     InstructionEffect::kReads},
    {kIsoCla, kInsSelect, exactly(0x02), kAnyByte, DataRule::kPresent, "SELECT FILE",
     InstructionEffect::kReads},
    // Without data: the PIN's state (63Cx, 9000, 6983, 6984), never a try.
    {kIsoCla, kInsVerify, exactly(0x00), kAnyByte, DataRule::kAbsent, "VERIFY (status)",
     InstructionEffect::kReads},
    {kIsoCla, kInsVerify, kAnyByte, kAnyByte, DataRule::kAny, "VERIFY", InstructionEffect::kSpendsRetry,
     true},
    {kIsoCla, kInsChangeReferenceData, kAnyByte, kAnyByte, DataRule::kAny, "CHANGE REFERENCE DATA",
     InstructionEffect::kSpendsRetry, true},
    {kIsoCla, kInsResetRetryCounter, kAnyByte, kAnyByte, DataRule::kAny, "RESET RETRY COUNTER",
     InstructionEffect::kSpendsRetry, true},
    {kIsoCla, kInsGenerateKeyPair, kAnyByte, kAnyByte, DataRule::kAny, "GENERATE ASYMMETRIC KEY PAIR",
     InstructionEffect::kWrites},
    // Checks the SO-PIN (a wrong one spends an SO try) and then wipes every key and file.
    {kProprietaryCla, kInsInitialize, kAnyByte, kAnyByte, DataRule::kAny, "INITIALIZE DEVICE",
     InstructionEffect::kDestroys, true},
    // Without data: the DKEK status; with a share: key material.
    {kProprietaryCla, kInsImportDkekShare, exactly(0x00), exactly(0x00), DataRule::kAbsent, "DKEK STATUS",
     InstructionEffect::kReads},
    {kProprietaryCla, kInsImportDkekShare, kAnyByte, kAnyByte, DataRule::kAny, "IMPORT DKEK SHARE",
     InstructionEffect::kWrites, true},
    {kProprietaryCla, kInsEnumerateObjects, exactly(0x00), exactly(0x00), DataRule::kAbsent,
     "ENUMERATE OBJECTS", InstructionEffect::kReads},
    {kProprietaryCla, kInsSign, kAnyByte, kAnyByte, DataRule::kAny, "SIGN", InstructionEffect::kUsesKey},
    {kProprietaryCla, kInsDecipher, kAnyByte, kAnyByte, DataRule::kAny, "DECIPHER",
     InstructionEffect::kUsesKey, false, true},
    // Odd INS: data 54 02 <offset>.
    {kIsoCla, kInsReadBinary, kAnyByte, kAnyByte, DataRule::kPresent, "READ BINARY",
     InstructionEffect::kReads},
    {kIsoCla, kInsUpdateBinary, kAnyByte, kAnyByte, DataRule::kAny, "UPDATE BINARY",
     InstructionEffect::kWrites},
    {kIsoCla, kInsDeleteFile, kAnyByte, kAnyByte, DataRule::kAny, "DELETE FILE",
     InstructionEffect::kDestroys},
    // Starts a challenge-response (the security status changes).
    {kIsoCla, kInsGetChallenge, kAnyByte, kAnyByte, DataRule::kAbsent, "GET CHALLENGE",
     InstructionEffect::kWrites},
};

// The first row for this class and instruction byte, whatever P1, P2 and data say (the applet's dispatch).
const Instruction* find_instruction(uint8_t cla, uint8_t ins);

// INITIALIZE DEVICE data objects (concatenated TLVs).
inline constexpr uint32_t kTagOptions = 0x80;        // 2 bytes
inline constexpr uint32_t kTagUserPin = 0x81;        // ASCII, 6..16 bytes
inline constexpr uint32_t kTagSoPin = 0x82;          // 8 bytes
inline constexpr uint32_t kTagUserPinTries = 0x91;   // 1 byte
inline constexpr uint32_t kTagDkekShares = 0x92;     // 1 byte; absent: no DKEK
inline constexpr uint32_t kTagPublicKeyAuth = 0x93;  // 2 bytes (not simulated)
inline constexpr uint32_t kTagBioServer1 = 0x95, kTagBioServer2 = 0x96;

// Configuration options (low byte of tag 80, also in the FCP's tag 85).
inline constexpr uint16_t kOptionResetRetryCounter = 0x0001;  // user PIN reset with the SO-PIN
inline constexpr uint16_t kOptionTransportPin = 0x0002;       // the user PIN must be changed first
inline constexpr uint16_t kOptionSessionPin = 0x0004;

// File identifier prefixes (high byte) and fixed files.
inline constexpr uint8_t kPrefixPrivateKeyDescription = 0xC4;
inline constexpr uint8_t kPrefixCertificateDescription = 0xC8;
inline constexpr uint8_t kPrefixDataDescription = 0xC9;
inline constexpr uint8_t kPrefixCaCertificate = 0xCA;
inline constexpr uint8_t kPrefixKey = 0xCC;
inline constexpr uint8_t kPrefixProtectedData = 0xCD;
inline constexpr uint8_t kPrefixEeCertificate = 0xCE;
inline constexpr uint8_t kPrefixData = 0xCF;
inline constexpr uint16_t kFileDeviceCertificate = 0x2F02;  // C_DevAut and its issuer (CV certificates)
inline constexpr uint16_t kFileTokenInfo = 0x2F03;          // PKCS#15 TokenInfo

// SIGN algorithm identifiers (P2).
inline constexpr uint8_t kAlgEcdsaRaw = 0x70;  // data is the hash
inline constexpr uint8_t kAlgEcdsaSha1 = 0x71, kAlgEcdsaSha224 = 0x72, kAlgEcdsaSha256 = 0x73,
                         kAlgEcdsaSha384 = 0x74, kAlgEcdsaSha512 = 0x75;

// Card verifiable certificates (BSI TR-03110 part 3) as the device and GENERATE ASYMMETRIC KEY PAIR use
// them.
inline constexpr uint32_t kTagCvCertificate = 0x7F21, kTagCvBody = 0x7F4E, kTagCvPublicKey = 0x7F49,
                          kTagCvProfile = 0x5F29, kTagCar = 0x42, kTagChr = 0x5F20, kTagCvSignature = 0x5F37,
                          kTagAuthenticatedRequest = 0x67;
// id-TA-ECDSA-SHA-256 (0.4.0.127.0.7.2.2.2.2.3), the public key OID of EC keys in CV certificates.
inline constexpr std::array<uint8_t, 10> kOidTaEcdsaSha256 = {0x04, 0x00, 0x7F, 0x00, 0x07,
                                                              0x02, 0x02, 0x02, 0x02, 0x03};

// The applet's FCP (SELECT answer), tag 85: [options hi, options lo, applet type, major, minor].
struct AppletInfo {
  uint8_t major = 0, minor = 0;
  std::optional<uint16_t> options;  // absent before version 2.0 (85 has only the version)
  std::string version() const { return std::to_string(major) + "." + std::to_string(minor); }
};
Bytes encode_fcp(const AppletInfo& info, uint8_t applet_type);
// nullopt when the answer is not an FCP with a tag 85 of at least 2 bytes (OpenSC's test too).
std::optional<AppletInfo> parse_fcp(ByteView fcp);

inline uint16_t read_be16(ByteView b) {
  return static_cast<uint16_t>(b[0] << 8 | b[1]);
}

// 16 hexadecimal digits (either case) -> the 8 bytes sent; nullopt for anything else.
std::optional<std::array<uint8_t, kSoPinBytes>> so_pin_from_hex(std::string_view text);

// The CHR of a CV certificate (its first 5F20 inside 7F21/7F4E, or inside 67), as printable text.
std::optional<std::string> certificate_holder_reference(ByteView cv_certificate);
// The device's serial as OpenSC shows it: the device certificate's CHR without its 5-digit sequence.
std::optional<std::string> device_serial(ByteView device_certificate);

}  // namespace keydesk::protocol::sc_hsm
