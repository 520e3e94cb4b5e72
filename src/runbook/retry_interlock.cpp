#include "runbook/retry_interlock.h"

#include <algorithm>
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

}  // namespace keydesk::runbook
