// What the store says about the token in the reader, next to what the token says (docs/provisioning.md,
// "The record during a call"): who owns it, whether its PIN is still the provisioned one, whether a PUK is on
// record, certificate expiry, and each recorded HOTP counter beside the token's. Pure: a record and a
// read-only snapshot in, a JSON object and plain lines out. No secret is read: "on record" only.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runbook/token_snapshot.h"
#include "store/record.h"

namespace keydesk::fleet {

// The CUID the store keys the token under: the CPLC's, else the device serial's (store/record.h); nullopt
// when the token gave neither.
std::optional<iso7816::Cuid> record_key(const runbook::TokenIdentity& identity);

struct PinState {
  std::optional<bool> still_provisioned;  // nullopt: the token cannot tell without a PIN attempt
  std::string words;
};
PinState pin_state(const store::TokenRecord& record, const runbook::TokenSnapshot& snapshot);

struct CounterComparison {
  std::string name;
  uint64_t recorded = 0;
  std::optional<uint64_t> on_token;  // nullopt: not on the token, or the token lists no counters
  bool on_token_listed = false;      // the credential's name is on the token
  std::optional<bool> aligned() const {
    if (!on_token) return std::nullopt;
    return *on_token == recorded;
  }
};
std::vector<CounterComparison> hotp_counters(const store::TokenRecord& record,
                                             const runbook::TokenSnapshot& snapshot);

struct RecordCheck {
  nlohmann::ordered_json json;     // docs/cli-json-schema.json, #/$defs/recordCheck
  std::vector<std::string> lines;  // for a person on the phone
};
// `record` null: the token is not on record. `now`: ISO 8601 UTC, for certificate expiry.
RecordCheck check_record(const store::TokenRecord* record, const runbook::TokenSnapshot& snapshot,
                         std::string_view now);

// The current time as ISO 8601 UTC ("2026-12-01T04:59:00Z").
std::string now_iso8601();

}  // namespace keydesk::fleet
