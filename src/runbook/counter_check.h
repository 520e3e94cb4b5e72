// "Nothing was spent" as a checked statement, not a constant. The counters a diagnosis can read without
// spending anything (card PIN and PUK retries, whether a FIDO PIN exists and its retries, free passkey
// slots, HOTP counters) are read once by the snapshot and once more at its end, and compared. keydesk's
// read-only guard admits no command able to change any of them (docs/cli.md, "The read-only guard"), so a
// difference means another program used the token while keydesk was reading — said as such, never
// hidden behind "nothing was spent". Pure functions over two snapshots.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runbook/token_snapshot.h"

namespace keydesk::runbook {

struct CounterReading {
  enum class Kind : uint8_t { kCount, kFlag };  // a number, or yes/no (whether a FIDO PIN is set)
  std::string name;                             // "card PIN retries (ACA)", "HOTP counter of \"vpn\"", ...
  Kind kind = Kind::kCount;
  std::optional<uint64_t> before, after;  // nullopt: absent in that read (not readable, or gone)
};

struct CounterCheck {
  enum class Outcome : uint8_t {
    kUnchanged,   // every counter read at the start was read again at the end, and none moved
    kChanged,     // at least one moved: another program used the token meanwhile
    kUnverified,  // nothing moved, but some counter (or every one) could not be read twice
  };
  Outcome outcome = Outcome::kUnverified;
  std::vector<CounterReading> unchanged;  // read twice, same value
  std::vector<CounterReading> changed;    // read twice with different values, or a credential came or went
  std::vector<CounterReading> unread;     // read at the start, not at the end
  // getInfo said clientPin = false at the start and true at the end: another client set a FIDO PIN.
  bool fido_pin_set_meanwhile = false;
  uint64_t refused = 0;  // commands the read-only guard refused (the FIDO session hook included)
  // The words for the human output, one sentence per line.
  std::vector<std::string> statement;
};

const char* outcome_name(CounterCheck::Outcome outcome);  // "unchanged", "changed", "unverified"

// `before` is the diagnosis's snapshot, `after` the second read at its end (reread_counters in
// runbook/diagnose.h); only their `access`, `oath` and `fido` parts are used. `refused`: how many
// commands the read-only guard refused during the diagnosis.
CounterCheck check_counters(const TokenSnapshot& before, const TokenSnapshot& after, uint64_t refused);

}  // namespace keydesk::runbook
