#include "runbook/hsm_so_pin.h"

#include <algorithm>
#include <cctype>

namespace keydesk::runbook {
namespace p = protocol::sc_hsm;

namespace {

constexpr const char* kDocumentedDefaultSoPin = "3537363231383830";

bool is_hex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}
bool all_hex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_hex);
}
bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
}
std::string hex_of_text(std::string_view text) {
  return to_hex(bytes_of(text), true);
}
// The printable text whose hex form `hex` is (an even number of hex digits), if any.
std::optional<std::string> text_of_hex(std::string_view hex) {
  auto raw = from_hex(hex);
  if (!raw || raw->empty()) return std::nullopt;
  std::string text(raw->begin(), raw->end());
  wipe(*raw);
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c > 0x20 && c < 0x7F; }))
    return std::nullopt;
  return text;
}

Error usage(std::string_view what, const std::string& why) {
  return Error::make(ErrorKind::kUsage,
                     std::string(what) + ": " + why +
                         ". Nothing was sent to the token and no SO-PIN try was spent. The "
                         "SO-PIN is 8 bytes entered as exactly 16 hexadecimal digits "
                         "(docs/hsm.md)");
}

}  // namespace

Result<SoPinInput> parse_so_pin_input(std::string_view typed, std::string_view what,
                                      std::optional<std::string_view> user_pin) {
  // Secrets never appear in messages: what was typed, and what it converts to, is shown only when it is
  // the documented default (57621880 / 3537363231383830), which is public.
  if (typed.empty()) return usage(what, "empty");
  if (!printable(typed)) return usage(what, "contains characters that are not printable ASCII");
  if (user_pin && typed == *user_pin)
    return usage(what,
                 "the same as the user PIN given: the SO-PIN is a different secret (the security "
                 "officer's initialisation code), not the user PIN");
  const bool has_separators =
      std::any_of(typed.begin(), typed.end(), [](char c) { return c == ' ' || c == ':' || c == '-'; });
  if (has_separators) {
    std::string compact;
    for (char c : typed)
      if (c != ' ' && c != ':' && c != '-') compact.push_back(c);
    if (compact.size() == p::kSoPinHexDigits && all_hex(compact))
      return usage(what, "spaces, colons or dashes between the digits; type the same 16 digits without them");
    return usage(what, "contains spaces, colons or dashes");
  }
  if (typed.size() == p::kSoPinHexDigits && all_hex(typed)) {
    auto bytes = p::so_pin_from_hex(typed);
    SoPinInput in;
    in.bytes = *bytes;
    in.as_text = text_of_hex(typed);
    in.documented_default = to_hex(*bytes, true) == kDocumentedDefaultSoPin;
    return in;
  }
  if (typed.size() == p::kSoPinBytes) {
    if (hex_of_text(typed) == kDocumentedDefaultSoPin)
      return usage(what,
                   "8 characters typed as they are: 57621880 is the documented default SO-PIN as text; "
                   "in the required form it is 3537363231383830");
    return usage(what,
                 "8 characters typed as they are; the SO-PIN's 8 bytes are entered as their 16 hex "
                 "digits. If the SO-PIN was set as text, enter each character as its two hex digits "
                 "(0 is 30, 1 is 31 ... 9 is 39, A is 41, a is 61): 8 characters give 16 digits");
  }
  if (all_hex(typed) && typed.size() == 2 * p::kSoPinHexDigits) {
    if (auto text = text_of_hex(typed); text && text->size() == p::kSoPinHexDigits && all_hex(*text))
      return usage(what,
                   "32 hex digits that are themselves the hex form of 16 hex digits: the SO-PIN was "
                   "encoded twice; you probably meant the 16 digits it decodes to (every second digit, "
                   "each pair 3x read as the digit x, 41..46 as A..F)");
    return usage(what, "32 hex digits; the SO-PIN has 16");
  }
  if (typed.size() >= p::kUserPinMinLength && typed.size() <= 8 &&
      std::all_of(typed.begin(), typed.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return usage(what, std::to_string(typed.size()) +
                           " digits look like a user PIN (6 to 16 characters), not the SO-PIN; the SO-PIN is "
                           "a separate secret of 16 hex digits (648219 is the documented default user PIN, "
                           "3537363231383830 the documented default SO-PIN)");
  if (all_hex(typed))
    return usage(what, std::to_string(typed.size()) + " hex digits" +
                           (typed.size() == 15   ? " (one missing)"
                            : typed.size() == 17 ? " (one too many)"
                                                 : "") +
                           "; exactly 16 are needed");
  if (typed.size() == p::kSoPinHexDigits) {
    // Letters that look like digits: O for 0, I or l for 1, S for 5.
    std::string fixed(typed);
    for (char& c : fixed) {
      if (c == 'O' || c == 'o') c = '0';
      if (c == 'I' || c == 'l') c = '1';
      if (c == 'S' || c == 's') c = '5';
    }
    if (all_hex(fixed)) {
      std::string where;
      for (size_t i = 0; i < typed.size(); ++i)
        if (typed[i] != fixed[i]) where += (where.empty() ? "" : ", ") + std::to_string(i + 1);
      return usage(what,
                   "16 characters, some of them letters that look like digits (O for 0, I or l for 1, "
                   "S for 5) at position " +
                       where + "; you probably meant the digits there");
    }
    return usage(what, "16 characters but not all of them hexadecimal digits (0-9, A-F)");
  }
  return usage(what, std::to_string(typed.size()) + " characters, not 16 hexadecimal digits");
}

Status check_hsm_user_pin(std::string_view pin, std::string_view what) {
  if (pin.size() < p::kUserPinMinLength || pin.size() > p::kUserPinMaxLength || !printable(pin))
    return Error::make(ErrorKind::kUsage,
                       std::string(what) +
                           " must be 6 to 16 printable ASCII characters on a SmartCard-HSM "
                           "(not sent to the token)");
  return {};
}

}  // namespace keydesk::runbook
