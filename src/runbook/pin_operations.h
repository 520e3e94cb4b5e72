// The runbook's PIN, PUK and unblock attempts on the card PIN. Each one: reads the counters without
// spending (before), checks the candidate against the token's PIN policy locally, refuses through the
// retry interlock when a wrong attempt could leave no way back (unless forced), makes exactly ONE attempt
// (never repeated), and reads the counters again (after).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "host/apdu_connection.h"
#include "runbook/token_snapshot.h"

namespace keydesk::runbook {

enum class AttemptOutcome { kOk, kWrong, kBlocked, kRejected, kNotInitialized };
const char* attempt_outcome_name(AttemptOutcome o);

struct AttemptReport {
  std::string reference;  // "PIN" or "PUK": the counter the attempt could spend
  std::string source;     // "ACA" or "PIV"
  std::optional<int> before, after, max;
  uint16_t status_word = 0x9000;
  AttemptOutcome outcome = AttemptOutcome::kOk;
};

Result<AttemptReport> verify_pin(host::ApduConnection& c, std::string_view pin, bool force);
Result<AttemptReport> change_pin(host::ApduConnection& c, std::string_view pin, std::string_view new_pin,
                                 bool force);
// Sets the PUK: verifies the PIN (the attempt) and then stores the PUK.
Result<AttemptReport> put_puk(host::ApduConnection& c, std::string_view pin, std::string_view puk,
                              bool force);
// RESET RETRY COUNTER: one PUK attempt, the PIN counter back at its maximum and a new PIN on success.
Result<AttemptReport> unblock_pin(host::ApduConnection& c, std::string_view puk, std::string_view new_pin,
                                  bool force);

}  // namespace keydesk::runbook
