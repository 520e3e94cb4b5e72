// A token record as JSON (what `keydesk record show --json` prints, docs/cli-json-schema.json) and the
// canonical bytes its MAC covers (docs/store.md, "Record MAC").
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/bytes.h"
#include "store/record.h"

namespace keydesk::store {

nlohmann::json record_to_json(const TokenRecord& record);

// The record's fields as canonical JSON (keys sorted, default values left out, so a migration that adds a
// column with a default leaves earlier MACs valid), with a SHA-256 digest of each sealed secret in place
// of the list of names: replacing a sealed value by an older one fails the record's MAC.
Bytes record_mac_input(const TokenRecord& record, const std::map<std::string, Bytes>& sealed_by_field);
Bytes vault_mac_input(std::string_view name, int64_t version, ByteView sealed);

// ISO 8601 UTC with milliseconds, e.g. 2026-11-30T12:34:56.789Z.
std::string now_utc();

}  // namespace keydesk::store
