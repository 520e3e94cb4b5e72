// Text that came from outside the program is bytes. Names a token or a client chose (OATH credential
// names, FIDO user and relying-party names, reader names from USB descriptors) and the arguments a user
// typed may hold any byte sequence, valid UTF-8 or not, control characters included. One rule for all of
// it (docs/cli.md, "Untrusted text"; docs/keydesk-sim.md, "State file"):
//  - stored (the sim's state file): losslessly, valid UTF-8 as a JSON string, anything else as
//    {"hex": "..."} (state_text / state_text_bytes);
//  - JSON output: a valid string (invalid sequences replaced by U+FFFD) plus, when anything was
//    replaced, the exact bytes in hex in a sibling field (put_text);
//  - a terminal or a log line: invalid bytes and control characters as visible escapes (terminal_text),
//    so a token cannot write escape sequences onto the help desk's screen.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace keydesk {

// Well-formed UTF-8 per Unicode 15, table 3-7 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view bytes);
// The text with every maximal invalid subpart replaced by U+FFFD (Unicode 15, section 3.9, "U+FFFD
// Substitution of Maximal Subparts"): always valid UTF-8.
std::string utf8_replacing_invalid(std::string_view bytes);
// Printable and lossless for a terminal or a log line: valid printable UTF-8 as it is; an invalid byte
// as \xHH; C0 controls and DEL as \xHH; C1 controls (U+0080..U+009F) and the bidirectional overrides
// and isolates (U+202A..U+202E, U+2066..U+2069, which reorder what the reader sees) as \uHHHH.
std::string terminal_text(std::string_view bytes);
// terminal_text in single quotes, for error messages that repeat an argument or a name.
std::string quoted_text(std::string_view bytes);

// The sim's state file: a JSON string when `bytes` is valid UTF-8, else {"hex": "<lower-case hex>"}.
nlohmann::json state_text(std::string_view bytes);
// The bytes of a state_text value; nullopt for anything else (including {"hex"} of valid UTF-8, which
// state_text never writes: one canonical form per value).
std::optional<std::string> state_text_bytes(const nlohmann::json& value);

// Sets object[key] to the text as valid UTF-8 and, only when that replaced something, object[key +
// "Hex"] to the exact bytes (upper-case hex), so nothing is lost.
template <typename Json>
void put_text(Json& object, const std::string& key, std::string_view bytes);

}  // namespace keydesk

#include "core/text_impl.h"
