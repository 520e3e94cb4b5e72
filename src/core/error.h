// Typed errors carried from the wire to the edge. They become words in exactly one place:
// describe() in error.cpp (which also holds the status word and CTAP code tables that
// `keydesk explain` prints).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/ctap_status.h"

namespace keydesk {

enum class ErrorKind : uint8_t {
  kNone = 0,
  kStatusWord,    // the card answered with a status word the caller could not accept (code = SW)
  kCtap,          // a FIDO authenticator answered with a CTAP status (code = CTAP status byte)
  kNoReader,      // no PC/SC reader / FIDO device at all
  kNoToken,       // reader present, no token in it, or index out of range
  kTokenRemoved,  // the token went away during the operation
  kTokenReset,    // another process reset the token; volatile state is gone
  kTransport,     // PC/SC, socket or HID failure (code = underlying error code)
  kTimeout,       // the token (or pcscd) did not answer within the deadline; the link was abandoned
  kRefused,       // a safety interlock or the read-only guard refused the operation
  kUsage,         // bad arguments or input
  kMalformed,     // malformed data from a peer (APDU, TLV, CBOR, file)
  kNotSupported,  // the token or build cannot do this
  kNotFound,      // a named object, credential, profile or file does not exist
  kIo,            // local file system failure
  kCrypto,        // OpenSSL failure
  kConflict,      // the record changed since it was read (another writer won); re-read and decide again
  kIntegrity,     // stored data failed its integrity check: a sealed secret does not open, a MAC fails
  kInternal,
};

struct Error {
  ErrorKind kind = ErrorKind::kNone;
  uint32_t code = 0;    // SW, CTAP status or OS/PC/SC error depending on kind
  std::string context;  // what was being done; never contains a secret

  static Error sw(uint16_t status_word, std::string context = {}) {
    return {ErrorKind::kStatusWord, status_word, std::move(context)};
  }
  static Error ctap(uint8_t status, std::string context = {}) {
    return {ErrorKind::kCtap, status, std::move(context)};
  }
  static Error ctap(CtapStatus status, std::string context = {}) {
    return ctap(static_cast<uint8_t>(status), std::move(context));
  }
  static Error make(ErrorKind kind, std::string context, uint32_t code = 0) {
    return {kind, code, std::move(context)};
  }

  // The authenticator's CTAP status, typed, when this error is one (kCtap). A status word is read the
  // same way with iso7816::status_word_of() (iso7816/status_word.h), which this layer cannot name.
  std::optional<CtapStatus> ctap_status() const {
    if (kind != ErrorKind::kCtap) return std::nullopt;
    return static_cast<CtapStatus>(code);
  }
};

// The token could not be asked at all (gone, frozen, reset, the link failed), as opposed to a token
// that answered "no": an operation that met this did not complete.
inline bool is_link_failure(const Error& e) {
  switch (e.kind) {
    case ErrorKind::kNoReader:
    case ErrorKind::kNoToken:
    case ErrorKind::kTokenRemoved:
    case ErrorKind::kTokenReset:
    case ErrorKind::kTransport:
    case ErrorKind::kTimeout:
      return true;
    default:
      return false;
  }
}

// The one place where typed errors become words.
std::string describe(const Error& error);

// Meanings of ISO 7816 status words and CTAP status codes, as `keydesk explain` prints them.
struct CodeMeaning {
  std::string name;     // e.g. "63C5" or "CTAP2_ERR_PIN_NOT_SET"
  std::string meaning;  // one line, plain words
  std::string advice;   // the next safe step, may be empty
};
std::optional<CodeMeaning> explain_status_word(uint16_t sw);
std::optional<CodeMeaning> explain_ctap(uint8_t status);
const char* ctap_name(uint8_t status);  // "CTAP2_ERR_PIN_NOT_SET", or "CTAP status 0xNN" style fallback
const char* error_kind_name(ErrorKind kind);

}  // namespace keydesk
