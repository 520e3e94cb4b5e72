// ISO 7816-4 status words as typed values. Their meanings live in core/error.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/error.h"

namespace keydesk::iso7816 {

struct StatusWord {
  uint16_t value = 0x9000;

  constexpr StatusWord() = default;
  constexpr explicit StatusWord(uint16_t v) : value(v) {}
  constexpr uint8_t sw1() const { return static_cast<uint8_t>(value >> 8); }
  constexpr uint8_t sw2() const { return static_cast<uint8_t>(value); }
  constexpr bool ok() const { return value == 0x9000; }
  constexpr bool more_data() const { return sw1() == 0x61; }
  // 63Cx: a verification failed and x retries remain.
  constexpr bool is_retry_counter() const { return sw1() == 0x63 && (sw2() & 0xF0) == 0xC0; }
  constexpr int retries() const { return sw2() & 0x0F; }
  constexpr bool operator==(const StatusWord&) const = default;
  std::string hex() const;  // "63C5"
};

namespace sw {
inline constexpr StatusWord kOk{0x9000};
inline constexpr StatusWord kVerifyFailed{0x6300};
inline constexpr StatusWord kMemoryFailure{0x6581};
inline constexpr StatusWord kWrongLength{0x6700};
inline constexpr StatusWord kLastCommandExpected{0x6883};
inline constexpr StatusWord kChainingNotSupported{0x6884};
inline constexpr StatusWord kSecurityNotSatisfied{0x6982};
inline constexpr StatusWord kAuthBlocked{0x6983};
inline constexpr StatusWord kDataInvalid{0x6984};
inline constexpr StatusWord kConditionsNotSatisfied{0x6985};
inline constexpr StatusWord kCommandNotAllowed{0x6986};
inline constexpr StatusWord kIncorrectData{0x6A80};
inline constexpr StatusWord kFunctionNotSupported{0x6A81};
inline constexpr StatusWord kFileNotFound{0x6A82};
inline constexpr StatusWord kNoSpace{0x6A84};
inline constexpr StatusWord kIncorrectP1P2{0x6A86};
inline constexpr StatusWord kReferenceNotFound{0x6A88};
inline constexpr StatusWord kWrongP1P2{0x6B00};
inline constexpr StatusWord kInsNotSupported{0x6D00};
inline constexpr StatusWord kClaNotSupported{0x6E00};
inline constexpr StatusWord kNoDiagnosis{0x6F00};
constexpr StatusWord retries_left(int n) {
  return StatusWord(static_cast<uint16_t>(0x63C0 | (n > 15 ? 15 : (n < 0 ? 0 : n))));
}
constexpr StatusWord more_data(size_t remaining) {
  return StatusWord(static_cast<uint16_t>(0x6100 | (remaining >= 256 ? 0 : remaining)));
}
}  // namespace sw

// A card's refusal as an Error (kStatusWord), and back: the status word, typed, when the error is one.
inline Error error_of(StatusWord status, std::string context = {}) {
  return Error::sw(status.value, std::move(context));
}
inline std::optional<StatusWord> status_word_of(const Error& error) {
  if (error.kind != ErrorKind::kStatusWord) return std::nullopt;
  return StatusWord(static_cast<uint16_t>(error.code));
}

}  // namespace keydesk::iso7816
