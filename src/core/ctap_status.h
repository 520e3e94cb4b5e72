// CTAP status bytes (CTAP 2.1 section 8.2) as typed values: a FIDO authenticator's answer, carried by
// Error (core/error.h) and turned into words in core/error.cpp. protocol/ctap.h names it ctap::Status.
#pragma once

#include <cstdint>

namespace keydesk {

enum class CtapStatus : uint8_t {
  kOk = 0x00,
  kInvalidCommand = 0x01,
  kInvalidParameter = 0x02,
  kInvalidLength = 0x03,
  kInvalidSeq = 0x04,
  kTimeout = 0x05,
  kChannelBusy = 0x06,
  kInvalidChannel = 0x0B,
  kCborUnexpectedType = 0x11,
  kInvalidCbor = 0x12,
  kMissingParameter = 0x14,
  kLimitExceeded = 0x15,
  kCredentialExcluded = 0x19,
  kUnsupportedAlgorithm = 0x26,
  kOperationDenied = 0x27,
  kKeyStoreFull = 0x28,
  kUnsupportedOption = 0x2B,
  kInvalidOption = 0x2C,
  kKeepaliveCancel = 0x2D,
  kNoCredentials = 0x2E,
  kUserActionTimeout = 0x2F,
  kNotAllowed = 0x30,
  kPinInvalid = 0x31,
  kPinBlocked = 0x32,
  kPinAuthInvalid = 0x33,
  kPinAuthBlocked = 0x34,
  kPinNotSet = 0x35,
  kPuatRequired = 0x36,
  kPinPolicyViolation = 0x37,
  kRequestTooLarge = 0x39,
  kInvalidSubcommand = 0x3E,
  kUnauthorizedPermission = 0x40,
  kOther = 0x7F,
};

}  // namespace keydesk
