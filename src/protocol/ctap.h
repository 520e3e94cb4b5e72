// CTAP 2.1 (Client to Authenticator Protocol) as keydesk speaks it, written down once: the command bytes
// (section 6), the authenticatorClientPIN subcommands (section 6.5.5), what each request may do to the
// authenticator and which of its parts are secret; and the NFCCTAP applet that carries CTAP over ISO 7816
// (section 11.3). The card's authenticator (card/fido), the read-only guard and the trace use these rows.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/bytes.h"
#include "core/ctap_status.h"
#include "protocol/instruction.h"
#include "protocol/u2f.h"

namespace keydesk::protocol::ctap {

using Status = CtapStatus;

// Command bytes (CTAP 2.1 section 6).
enum class Command : uint8_t {
  kMakeCredential = 0x01,
  kGetAssertion = 0x02,
  kGetInfo = 0x04,
  kClientPin = 0x06,
  kReset = 0x07,
  kGetNextAssertion = 0x08,
  kBioEnrollment = 0x09,
  kCredentialManagement = 0x0A,
  kSelection = 0x0B,
  kLargeBlobs = 0x0C,
  kConfig = 0x0D,
  kCredentialManagementPreview = 0x41,
};

// The members of the authenticatorGetInfo response map (CTAP 2.1 section 6.4): what the card's
// authenticator writes and the host's FidoSession reads.
namespace info {
inline constexpr int64_t kVersions = 0x01;
inline constexpr int64_t kExtensions = 0x02;
inline constexpr int64_t kAaguid = 0x03;
inline constexpr int64_t kOptions = 0x04;
inline constexpr int64_t kMaxMsgSize = 0x05;
inline constexpr int64_t kPinUvAuthProtocols = 0x06;
inline constexpr int64_t kMaxCredentialCountInList = 0x07;
inline constexpr int64_t kMaxCredentialIdLength = 0x08;
inline constexpr int64_t kTransports = 0x09;
inline constexpr int64_t kAlgorithms = 0x0A;
inline constexpr int64_t kMinPinLength = 0x0D;
inline constexpr int64_t kFirmwareVersion = 0x0E;
inline constexpr int64_t kRemainingDiscoverableCredentials = 0x14;
}  // namespace info

// authenticatorClientPIN: the subCommand is key 0x02 of the parameter map.
inline constexpr int64_t kClientPinSubCommandKey = 0x02;
inline constexpr uint8_t kGetPinRetries = 0x01;
inline constexpr uint8_t kGetKeyAgreement = 0x02;
inline constexpr uint8_t kSetPin = 0x03;
inline constexpr uint8_t kChangePin = 0x04;
inline constexpr uint8_t kGetPinToken = 0x05;
inline constexpr uint8_t kGetPinUvAuthTokenUsingUvWithPermissions = 0x06;
inline constexpr uint8_t kGetUvRetries = 0x07;
inline constexpr uint8_t kGetPinUvAuthTokenUsingPinWithPermissions = 0x09;

// One kind of request: a command, and for authenticatorClientPIN one subcommand.
struct Request {
  Command command;
  int subcommand = -1;  // clientPIN only; -1: the command as a whole
  std::string_view name;
  InstructionEffect effect;
  bool user_presence = false;    // asks the user for a touch
  bool secret = false;           // the request holds a PIN (encrypted), a PIN/UV auth parameter or salts
  bool response_secret = false;  // the answer holds a PIN/UV auth token or hmac-secret outputs
};

// Every request a CTAP 2.1 authenticator knows. credentialManagement is judged as a whole: every
// subcommand needs a pinUvAuthToken (the GetNext ones continue a Begin that did), and deleteCredential
// destroys. getInfo takes no parameters; everything else a CBOR map.
inline constexpr Request kRequests[] = {
    {Command::kMakeCredential, -1, "makeCredential", InstructionEffect::kWrites, true, true, false},
    // The signature counter advances; hmac-secret salts go in, its outputs come out.
    {Command::kGetAssertion, -1, "getAssertion", InstructionEffect::kWrites, true, true, true},
    {Command::kGetNextAssertion, -1, "getNextAssertion", InstructionEffect::kWrites, false, false, true},
    {Command::kGetInfo, -1, "getInfo", InstructionEffect::kReads},
    {Command::kClientPin, kGetPinRetries, "clientPIN getPINRetries", InstructionEffect::kReads},
    {Command::kClientPin, kGetKeyAgreement, "clientPIN getKeyAgreement", InstructionEffect::kReads},
    {Command::kClientPin, kSetPin, "clientPIN setPIN", InstructionEffect::kWrites, false, true, false},
    {Command::kClientPin, kChangePin, "clientPIN changePIN", InstructionEffect::kSpendsRetry, false, true,
     false},
    // Whenever a PIN is set, a wrong one spends a try: never admitted on a read-only path, whatever an
    // earlier getInfo said (transport/readonly_guard.h).
    {Command::kClientPin, kGetPinToken, "clientPIN getPinToken", InstructionEffect::kSpendsRetry, false, true,
     true},
    {Command::kClientPin, kGetPinUvAuthTokenUsingUvWithPermissions,
     "clientPIN getPinUvAuthTokenUsingUvWithPermissions", InstructionEffect::kSpendsRetry, true, true, true},
    {Command::kClientPin, kGetUvRetries, "clientPIN getUVRetries", InstructionEffect::kReads},
    {Command::kClientPin, kGetPinUvAuthTokenUsingPinWithPermissions,
     "clientPIN getPinUvAuthTokenUsingPinWithPermissions", InstructionEffect::kSpendsRetry, false, true,
     true},
    {Command::kReset, -1, "reset", InstructionEffect::kDestroys, true},
    {Command::kBioEnrollment, -1, "bioEnrollment", InstructionEffect::kDestroys, true, true, false},
    {Command::kCredentialManagement, -1, "credentialManagement", InstructionEffect::kDestroys, false, true,
     false},
    {Command::kCredentialManagementPreview, -1, "credentialManagement (preview)",
     InstructionEffect::kDestroys, false, true, false},
    {Command::kSelection, -1, "selection", InstructionEffect::kReads, true},
    {Command::kLargeBlobs, -1, "largeBlobs", InstructionEffect::kWrites, false, true, false},
    {Command::kConfig, -1, "authenticatorConfig", InstructionEffect::kWrites, false, true, false},
};

// The row of a request (command byte followed by its CBOR), or nullptr: an unknown command, getInfo with
// parameters, parameters that are not one strict CBOR map, a clientPIN without a known subCommand.
const Request* find_request(ByteView request);
// A request the tables call a read that needs nothing from the user and carries no secret either way.
bool is_read_only(const Request& request);
// Whether a request, or its answer, may hold secrets. Conservative: a request no row describes is
// secret; its answer is when any request of the same command byte answers with secrets.
bool request_secret(ByteView request);
bool response_secret(ByteView request);

// The NFCCTAP applet: CTAP over ISO 7816 (CTAP 2.1 section 11.3), and U2F's raw messages as APDUs
// (section 11.3.4) on authenticators that speak U2F.
namespace nfcctap {
inline constexpr uint8_t kAid[] = {0xA0, 0x00, 0x00, 0x06, 0x47, 0x2F, 0x00, 0x01};
inline constexpr uint8_t kCla = 0x80;
inline constexpr uint8_t kInsMsg = 0x10;               // data: a CTAP request; answer: status byte + CBOR
inline constexpr uint8_t kInsGetResponse = 0x11;       // polls a request still being processed
inline constexpr uint8_t kMsgExpectsKeepalive = 0x80;  // P1 of NFCCTAP_MSG

inline constexpr Instruction kInstructions[] = {
    {.cla = kCla,
     .ins = kInsMsg,
     .name = "NFCCTAP_MSG",
     .effect = InstructionEffect::kReads,
     .carries = Carries::kCtap2Request},
    {.cla = kCla,
     .ins = kInsGetResponse,
     .data = DataRule::kAbsent,
     .name = "NFCCTAP_GETRESPONSE",
     .effect = InstructionEffect::kReads},
    // U2F over ISO 7816 (FIDO U2F Raw Message Formats): REGISTER creates a key, AUTHENTICATE advances the
    // signature counter, VERSION names the protocol.
    {.ins = u2f::kInsRegister,
     .name = "U2F REGISTER",
     .effect = InstructionEffect::kWrites,
     .carries = Carries::kCtap1Message},
    {.ins = u2f::kInsAuthenticate,
     .name = "U2F AUTHENTICATE",
     .effect = InstructionEffect::kWrites,
     .carries = Carries::kCtap1Message},
    {.ins = u2f::kInsVersion,
     .name = "U2F VERSION",
     .effect = InstructionEffect::kReads,
     .carries = Carries::kCtap1Message},
};
}  // namespace nfcctap

}  // namespace keydesk::protocol::ctap
