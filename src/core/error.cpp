#include "core/error.h"

#include <array>
#include <cstdio>

namespace keydesk {
namespace {

std::string hex4(uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04X", v);
  return buf;
}

struct CtapEntry {
  uint8_t code;
  const char* name;
  const char* meaning;
  const char* advice;
};

// CTAP 2.1 section 8 status codes (values checked against the specification's table).
constexpr std::array<CtapEntry, 46> kCtap{{
    {0x00, "CTAP2_OK", "success", ""},
    {0x01, "CTAP1_ERR_INVALID_COMMAND", "the authenticator does not know this command", ""},
    {0x02, "CTAP1_ERR_INVALID_PARAMETER", "a parameter is invalid", ""},
    {0x03, "CTAP1_ERR_INVALID_LENGTH", "the message length is invalid", ""},
    {0x04, "CTAP1_ERR_INVALID_SEQ", "CTAPHID packets arrived out of sequence", ""},
    {0x05, "CTAP1_ERR_TIMEOUT", "the CTAPHID message timed out", ""},
    {0x06, "CTAP1_ERR_CHANNEL_BUSY", "another CTAPHID channel is busy", "try again in a moment"},
    {0x0A, "CTAP1_ERR_LOCK_REQUIRED", "the command needs a channel lock", ""},
    {0x0B, "CTAP1_ERR_INVALID_CHANNEL", "the CTAPHID channel is invalid", ""},
    {0x11, "CTAP2_ERR_CBOR_UNEXPECTED_TYPE", "a CBOR item has the wrong type", ""},
    {0x12, "CTAP2_ERR_INVALID_CBOR", "the request is not valid CBOR", ""},
    {0x14, "CTAP2_ERR_MISSING_PARAMETER", "a required parameter is missing", ""},
    {0x15, "CTAP2_ERR_LIMIT_EXCEEDED", "a limit was exceeded", ""},
    {0x17, "CTAP2_ERR_FP_DATABASE_FULL", "the fingerprint database is full", ""},
    {0x18, "CTAP2_ERR_LARGE_BLOB_STORAGE_FULL", "large-blob storage is full", ""},
    {0x19, "CTAP2_ERR_CREDENTIAL_EXCLUDED", "a credential for this account already exists on the key", ""},
    {0x21, "CTAP2_ERR_PROCESSING", "the authenticator is still processing", ""},
    {0x22, "CTAP2_ERR_INVALID_CREDENTIAL", "the credential is not valid for this authenticator", ""},
    {0x23, "CTAP2_ERR_USER_ACTION_PENDING", "waiting for the user", "touch the key"},
    {0x24, "CTAP2_ERR_OPERATION_PENDING", "another operation is pending", ""},
    {0x25, "CTAP2_ERR_NO_OPERATIONS", "no operation is pending", ""},
    {0x26, "CTAP2_ERR_UNSUPPORTED_ALGORITHM", "the algorithm is not supported", ""},
    {0x27, "CTAP2_ERR_OPERATION_DENIED", "the user or policy denied the operation", ""},
    {0x28, "CTAP2_ERR_KEY_STORE_FULL", "no room left for discoverable credentials", "delete unused passkeys"},
    {0x2B, "CTAP2_ERR_UNSUPPORTED_OPTION", "an option is not supported", ""},
    {0x2C, "CTAP2_ERR_INVALID_OPTION", "an option is invalid", ""},
    {0x2D, "CTAP2_ERR_KEEPALIVE_CANCEL", "the operation was cancelled", ""},
    {0x2E, "CTAP2_ERR_NO_CREDENTIALS", "no credentials match", ""},
    {0x2F, "CTAP2_ERR_USER_ACTION_TIMEOUT", "the user did not touch the key in time",
     "touch the key when it blinks"},
    {0x30, "CTAP2_ERR_NOT_ALLOWED", "the operation is not allowed now", ""},
    {0x31, "CTAP2_ERR_PIN_INVALID", "wrong FIDO PIN: one FIDO retry was spent",
     "check the remaining FIDO PIN retries before another attempt"},
    {0x32, "CTAP2_ERR_PIN_BLOCKED", "the FIDO PIN is blocked: no retries remain",
     "FIDO has no PUK: only fido-token-reset (wipes every passkey) makes the FIDO applet usable again"},
    {0x33, "CTAP2_ERR_PIN_AUTH_INVALID", "the PIN/UV auth parameter did not verify", ""},
    {0x34, "CTAP2_ERR_PIN_AUTH_BLOCKED",
     "three wrong FIDO PINs in a row since the key was plugged in: PIN attempts are paused",
     "unplug and re-insert the key (power cycle); the remaining retries are kept - this is NOT a lockout"},
    {0x35, "CTAP2_ERR_PIN_NOT_SET", "no FIDO PIN is set on this key (no retry was spent)",
     "nothing is locked; a FIDO PIN can be set with fido-pin-change"},
    {0x36, "CTAP2_ERR_PUAT_REQUIRED", "this operation needs a PIN/UV auth token", "supply the FIDO PIN"},
    {0x37, "CTAP2_ERR_PIN_POLICY_VIOLATION", "the new FIDO PIN violates the PIN policy (length or content)",
     "choose a PIN that meets the key's minimum length"},
    {0x39, "CTAP2_ERR_REQUEST_TOO_LARGE", "the request is too large", ""},
    {0x3A, "CTAP2_ERR_ACTION_TIMEOUT", "the action timed out (e.g. reset window or touch)", ""},
    {0x3B, "CTAP2_ERR_UP_REQUIRED", "user presence is required", "touch the key"},
    {0x3C, "CTAP2_ERR_UV_BLOCKED", "built-in user verification is blocked", "use the PIN"},
    {0x3D, "CTAP2_ERR_INTEGRITY_FAILURE", "an integrity check failed", ""},
    {0x3E, "CTAP2_ERR_INVALID_SUBCOMMAND", "the subcommand is invalid", ""},
    {0x3F, "CTAP2_ERR_UV_INVALID", "user verification failed", ""},
    {0x40, "CTAP2_ERR_UNAUTHORIZED_PERMISSION", "the token lacks the needed permission", ""},
    {0x7F, "CTAP1_ERR_OTHER", "unspecified error", ""},
}};

}  // namespace

const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNone:
      return "ok";
    case ErrorKind::kStatusWord:
      return "status-word";
    case ErrorKind::kCtap:
      return "ctap";
    case ErrorKind::kNoReader:
      return "no-reader";
    case ErrorKind::kNoToken:
      return "no-token";
    case ErrorKind::kTokenRemoved:
      return "token-removed";
    case ErrorKind::kTokenReset:
      return "token-reset";
    case ErrorKind::kTransport:
      return "transport";
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kRefused:
      return "refused";
    case ErrorKind::kUsage:
      return "usage";
    case ErrorKind::kMalformed:
      return "malformed";
    case ErrorKind::kNotSupported:
      return "not-supported";
    case ErrorKind::kNotFound:
      return "not-found";
    case ErrorKind::kIo:
      return "io";
    case ErrorKind::kCrypto:
      return "crypto";
    case ErrorKind::kConflict:
      return "conflict";
    case ErrorKind::kIntegrity:
      return "integrity";
    case ErrorKind::kInternal:
      return "internal";
  }
  return "unknown";
}

const char* ctap_name(uint8_t status) {
  for (const auto& e : kCtap)
    if (e.code == status) return e.name;
  return "CTAP_UNKNOWN_STATUS";
}

std::optional<CodeMeaning> explain_ctap(uint8_t status) {
  for (const auto& e : kCtap) {
    if (e.code == status) {
      char code[8];
      std::snprintf(code, sizeof code, "0x%02X", status);
      return CodeMeaning{std::string(e.name) + " (" + code + ")", e.meaning, e.advice};
    }
  }
  return std::nullopt;
}

// A status word alone does not say which unblock paths a token has (a YubiKey has no XAUTH key, many ACA
// tokens have no PUK), so `explain` names the conditions and points at the probe that reads them.
constexpr const char* kWhichWayBack =
    "which way back exists depends on the token: `keydesk diagnose` reads it without spending a try. A PUK "
    "with tries left: pin-reset-tries; an XAUTH key: the help desk's challenge-response; neither: only a "
    "destructive reset";

std::optional<CodeMeaning> explain_status_word(uint16_t sw) {
  const std::string name = hex4(sw);
  const uint8_t sw1 = static_cast<uint8_t>(sw >> 8), sw2 = static_cast<uint8_t>(sw);
  if (sw1 == 0x63 && (sw2 & 0xF0) == 0xC0) {
    const int left = sw2 & 0x0F;
    if (left == 0)
      return CodeMeaning{name, "wrong PIN, no retries remaining: the PIN is now blocked", kWhichWayBack};
    return CodeMeaning{
        name, "wrong PIN, " + std::to_string(left) + (left == 1 ? " retry" : " retries") + " remaining",
        left <= 2 ? std::string("stop guessing: find the PIN in the records. ") + kWhichWayBack : ""};
  }
  if (sw1 == 0x61)
    return CodeMeaning{
        name, "success, " + std::to_string(sw2 == 0 ? 256 : sw2) + " more bytes to fetch with GET RESPONSE",
        ""};
  if (sw1 == 0x6C) return CodeMeaning{name, "wrong Le; the exact length is " + std::to_string(sw2), ""};
  struct Fixed {
    uint16_t sw;
    const char* meaning;
    const char* advice;
  };
  static constexpr Fixed kFixed[] = {
      {0x9000, "success", ""},
      {0x6300, "verification failed (no counter information)", ""},
      {0x6581, "memory failure", ""},
      {0x6700, "wrong length", ""},
      {0x6882, "secure messaging not supported", ""},
      {0x6883, "the last command of a chain was expected", ""},
      {0x6884, "command chaining is not supported", ""},
      {0x6982, "security status not satisfied: the PIN or admin key has not been verified in this session",
       "verify the PIN (or authenticate the admin key) first"},
      {0x6983, "authentication method blocked: no retries remain", kWhichWayBack},
      {0x6984, "reference data not usable (not set, or the response did not match)", ""},
      {0x6985,
       "conditions of use not satisfied: a new PIN that violates the policy, a PIN that must be changed "
       "first (force-PIN-change), or a reset that needs PIN and PUK blocked",
       "read the access-control properties (aca-props-get) to see which"},
      {0x6986, "command not allowed", ""},
      {0x6A80, "incorrect data in the command", ""},
      {0x6A81, "function not supported", ""},
      {0x6A82, "file or application not found", ""},
      {0x6A84, "not enough memory on the token", ""},
      {0x6A86, "incorrect P1/P2", ""},
      {0x6A88, "referenced data (key, PIN or object) not found", ""},
      {0x6B00, "wrong parameters P1/P2", ""},
      {0x6D00, "instruction not supported", ""},
      {0x6E00, "class not supported", ""},
      {0x6F00, "no precise diagnosis (internal error on the token)", ""},
  };
  for (const auto& f : kFixed)
    if (f.sw == sw) return CodeMeaning{name, f.meaning, f.advice};
  return std::nullopt;
}

std::string describe(const Error& error) {
  std::string what;
  switch (error.kind) {
    case ErrorKind::kNone:
      return "ok";
    case ErrorKind::kStatusWord: {
      auto m = explain_status_word(static_cast<uint16_t>(error.code));
      what = hex4(static_cast<uint16_t>(error.code)) + ": " + (m ? m->meaning : "unknown status word");
      break;
    }
    case ErrorKind::kCtap: {
      auto m = explain_ctap(static_cast<uint8_t>(error.code));
      what = m ? m->name + ": " + m->meaning : "CTAP status " + std::to_string(error.code);
      break;
    }
    case ErrorKind::kNoReader:
      what = "no smart card reader or FIDO device found";
      break;
    case ErrorKind::kNoToken:
      what = "no token found";
      break;
    case ErrorKind::kTokenRemoved:
      what = "the token was removed";
      break;
    case ErrorKind::kTokenReset:
      what = "the token was reset by another program";
      break;
    case ErrorKind::kTransport:
      what = "transport error";
      break;
    case ErrorKind::kTimeout:
      what = "the token stopped answering (a frozen token or reader): unplug it and plug it in again";
      break;
    case ErrorKind::kRefused:
      what = "refused";
      break;
    case ErrorKind::kUsage:
      what = "usage error";
      break;
    case ErrorKind::kMalformed:
      what = "malformed data";
      break;
    case ErrorKind::kNotSupported:
      what = "not supported";
      break;
    case ErrorKind::kNotFound:
      what = "not found";
      break;
    case ErrorKind::kIo:
      what = "file error";
      break;
    case ErrorKind::kCrypto:
      what = "cryptographic failure";
      break;
    case ErrorKind::kConflict:
      what = "changed by another writer since it was read";
      break;
    case ErrorKind::kIntegrity:
      what = "integrity check failed";
      break;
    case ErrorKind::kInternal:
      what = "internal error";
      break;
  }
  if (!error.context.empty()) what = error.context + ": " + what;
  return what;
}

}  // namespace keydesk
