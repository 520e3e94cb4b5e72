// The fleet report (docs/provisioning.md, "Fleet report"): the five rollout gaps counted over the record
// store and, with tokens connected, against what the tokens themselves say. One value, three renderings:
// JSON (docs/cli-json-schema.json, #/$defs/fleet-report), rows for the CLI's table, and a self-contained
// HTML page with charts (inline SVG, no script, no external resource) that a rollout owner can forward.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "store/record_store.h"

namespace keydesk::fleet {

// One connected token, read read-only and looked up in the store.
struct SeenToken {
  std::string reader;
  std::string cuid;  // empty: the token gave neither CPLC nor serial
  bool recorded = false;
  std::string status;                     // the record's, when recorded
  std::optional<bool> pin_still_default;  // the token's own word (force-change pending / PIN is default)
  bool puk_on_record = false;
  int hotp_not_aligned = 0;  // recorded HOTP credentials whose token counter differs or is missing
  std::string problem;       // why the token could not be read (then only `reader` is meaningful)
};

struct FleetReport {
  std::string generated_at;  // ISO 8601 UTC
  std::string store;         // the store's location (no password)
  store::FleetFigures figures;
  std::map<store::LifecycleStatus, int64_t> by_status;
  bool tokens_read = false;  // --tokens: `seen` is what the connected tokens said
  std::vector<SeenToken> seen;
};

// One gap: its key in JSON, the words a table shows, how many over the store and (with tokens) among them.
struct Gap {
  std::string key;
  std::string words;
  int64_t records = 0;
  std::optional<int64_t> tokens;
};
std::vector<Gap> gaps(const FleetReport& report);

nlohmann::ordered_json fleet_json(const FleetReport& report);
std::string fleet_html(const FleetReport& report);

}  // namespace keydesk::fleet
