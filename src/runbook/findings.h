// The runbook's judgement over a TokenSnapshot: findings with evidence and the next safe step, and which
// PIN a user's symptom points to (docs/field-notes.md, case 2). Pure functions: no I/O, no token.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runbook/token_snapshot.h"

namespace keydesk::runbook {

enum class Symptom { kUnknown, kWindowsLogon, kVpn, kOtp, kPasskey };
std::optional<Symptom> parse_symptom(std::string_view text);
const char* symptom_name(Symptom s);

enum class Severity { kInfo, kWarning, kCritical };
const char* severity_name(Severity s);

struct Finding {
  std::string id;  // stable, documented in docs/cli.md (e.g. "pin-not-locked")
  Severity severity = Severity::kInfo;
  std::string summary;
  std::string evidence;   // what the token reported
  std::string next_step;  // the next safe step
};

std::vector<Finding> find_issues(const TokenSnapshot& snapshot);

struct PinPointer {
  std::string pin;     // "smart card PIN (ACA/PIV)", "FIDO PIN", "none (OATH counter)", ...
  std::string reason;  // why this symptom points there
};
PinPointer pin_for_symptom(Symptom symptom, const TokenSnapshot& snapshot);

// HOTP counters at or above this are not tap counts (docs/field-notes.md, case 0: ~4.16e9, a seeded or misread value).
inline constexpr uint64_t kSuspiciousHotpCounter = 100'000'000;

}  // namespace keydesk::runbook
