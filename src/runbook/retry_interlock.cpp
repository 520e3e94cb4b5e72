#include "runbook/retry_interlock.h"

#include <algorithm>
#include <cstdint>
#include <string>

namespace keydesk::runbook {

int attempt_floor(bool unblock_path_exists) {
  return unblock_path_exists ? 2 : 3;
}

Status check_attempt(std::string_view what, std::optional<int> remaining, bool unblock_path_exists,
                     bool force) {
  if (force) return {};
  const std::string name(what);
  if (!remaining)
    return Error::make(ErrorKind::kRefused, name +
                                                ": the token cannot report its retries without spending one; "
                                                "refusing a blind attempt (use --force to override)");
  if (*remaining == 0)
    return Error::make(ErrorKind::kRefused, name + " is blocked: an attempt cannot succeed");
  const int floor = attempt_floor(unblock_path_exists);
  if (*remaining <= floor)
    return Error::make(ErrorKind::kRefused,
                       name + ": only " + std::to_string(*remaining) + " retries left" +
                           (unblock_path_exists ? "" : " and no PUK or XAUTH unblock path") +
                           "; a wrong attempt could leave no way back (use --force to override)");
  return {};
}

Status check_pin_format(std::string_view what, std::string_view pin, const PinRule& rule) {
  const std::string name(what);
  const auto length = static_cast<int>(pin.size());
  if (length < rule.min_length || length > rule.max_length)
    return Error::make(ErrorKind::kUsage, name + " must be " + std::to_string(rule.min_length) + " to " +
                                              std::to_string(rule.max_length) + " characters, got " +
                                              std::to_string(length) + " (not sent to the token)");
  const bool printable = std::all_of(pin.begin(), pin.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
  if (!printable)
    return Error::make(ErrorKind::kUsage, name + " may only contain printable ASCII characters (not sent)");
  if (rule.digits_only && !std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return Error::make(ErrorKind::kUsage, name + " may only contain digits on this token (not sent)");
  return {};
}

Status check_card_secret(CardSecret which, std::string_view value) {
  const bool is_puk = which == CardSecret::kPuk || which == CardSecret::kCurrentPuk;
  const PinRule rule = is_puk ? PinRule{6, 8, false} : PinRule{4, 8, false};
  const char* what = which == CardSecret::kPin          ? "PIN"
                     : which == CardSecret::kNewPin     ? "new PIN"
                     : which == CardSecret::kCurrentPuk ? "current PUK"
                                                        : "PUK";
  return check_pin_format(what, value, rule);
}

Status check_fido_attempt(std::optional<int> retries, bool force) {
  return check_attempt("FIDO PIN", retries, false, force);
}

namespace {

// Code points of strict UTF-8 (no overlong forms, surrogates or values past U+10FFFF); nullopt when `s` is
// not UTF-8 or holds a NUL, which libfido2's C string would silently cut.
std::optional<size_t> utf8_code_points(std::string_view s) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++count) {
    const auto b = static_cast<uint8_t>(s[i]);
    if (b == 0x00) return std::nullopt;
    const size_t n = b < 0x80             ? 1
                     : (b & 0xE0) == 0xC0 ? 2
                     : (b & 0xF0) == 0xE0 ? 3
                     : (b & 0xF8) == 0xF0 ? 4
                                          : 0;
    if (n == 0 || i + n > s.size()) return std::nullopt;
    uint32_t cp = n == 1 ? b : b & (0xFF >> (n + 1));
    for (size_t k = 1; k < n; ++k) {
      const auto c = static_cast<uint8_t>(s[i + k]);
      if ((c & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (c & 0x3F);
    }
    static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kSmallest[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    i += n;
  }
  return count;
}

}  // namespace

Status check_fido_pin_format(std::string_view pin, size_t min_code_points, std::string_view which) {
  const auto code_points = utf8_code_points(pin);
  if (!code_points || *code_points < min_code_points || pin.size() > kCtapMaxPinBytes)
    return Error::make(ErrorKind::kUsage,
                       std::string(which) + " must be UTF-8 of " + std::to_string(min_code_points) + " to " +
                           std::to_string(kCtapMaxPinBytes) +
                           " bytes (at least that many characters); nothing was sent to the key");
  return {};
}

size_t fido_new_pin_minimum(uint64_t key_min_pin_length) {
  return std::max<size_t>(kCtapMinPinCodePoints, static_cast<size_t>(key_min_pin_length));
}

}  // namespace keydesk::runbook
