// What an operator typed as a SmartCard-HSM SO-PIN, checked before anything is sent (docs/hsm.md, "SO-PIN
// formats"). The SO-PIN is 8 bytes entered as exactly 16 hexadecimal digits; the usual mistakes are
// recognised and answered with what the operator probably meant, as a usage error (exit 2) - nothing is
// ever reinterpreted silently and no try is spent on a malformed value. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "host/hsm/hsm_session.h"

namespace keydesk::runbook {

struct SoPinInput {
  host::hsm::SoPin bytes{};
  // When the 8 bytes are printable text, what that text is ("57621880" for 3537363231383830). Only the
  // fact is shown to the operator (it is a secret), so a value that is the ASCII form of something else
  // is visible before the attempt.
  std::optional<std::string> as_text;
  bool documented_default = false;  // 3537363231383830, the default of OpenSC's and CardContact's guides
};

// `what` names the value in messages ("SO-PIN", "new SO-PIN"). `user_pin`: a user PIN given in the same
// command, if any, to recognise it typed as the SO-PIN. kUsage with the explanation, or the SO-PIN.
Result<SoPinInput> parse_so_pin_input(std::string_view typed, std::string_view what,
                                      std::optional<std::string_view> user_pin = std::nullopt);

// The user PIN rule of the SmartCard-HSM: 6 to 16 printable ASCII characters. kUsage otherwise.
Status check_hsm_user_pin(std::string_view pin, std::string_view what);

}  // namespace keydesk::runbook
