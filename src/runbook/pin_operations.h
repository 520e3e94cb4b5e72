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
  std::string next_step;    // from the unblock paths read after the attempt; empty when none is needed
  bool logged_out = false;  // the PIN-verified state was reset afterwards (VERIFY P1 = FF)
};

Result<AttemptReport> verify_pin(host::ApduConnection& c, std::string_view pin, bool force);
Result<AttemptReport> change_pin(host::ApduConnection& c, std::string_view pin, std::string_view new_pin,
                                 bool force);
// Sets the PUK: verifies the PIN (the attempt) and then stores the PUK. ACA tokens only: PIV cannot set a
// PUK with the PIN (kUsage with kPivPukPut).
Result<AttemptReport> put_puk(host::ApduConnection& c, std::string_view pin, std::string_view puk,
                              bool force);
// RESET RETRY COUNTER: one PUK attempt, the PIN counter back at its maximum and a new PIN on success.
Result<AttemptReport> unblock_pin(host::ApduConnection& c, std::string_view puk, std::string_view new_pin,
                                  bool force);

// PIV (a token without the ACA): CHANGE REFERENCE DATA of the PUK, the current PUK being the attempt.
Result<AttemptReport> change_puk(host::ApduConnection& c, std::string_view puk, std::string_view new_puk,
                                 bool force);
// Whether puk-put on this token is PIV's CHANGE REFERENCE DATA (needs the current PUK) rather than the
// ACA's PIN-authorised PUT. Spends nothing.
Result<bool> puk_put_needs_current_puk(host::ApduConnection& c);

inline constexpr std::string_view kPivPukPut =
    "this token has no access-control applet: on PIV, puk-put is CHANGE REFERENCE DATA of the PUK, which "
    "needs the CURRENT PUK (--current-puk; a YubiKey leaves the factory with 12345678), not the PIN; the "
    "current PUK is the one attempt and a wrong one spends a PUK try";

}  // namespace keydesk::runbook
