// The store's schema and its migrations (docs/store.md, "Schema"). Opening a store applies every
// migration it lacks, in one transaction; a store written by a newer keydesk is refused. Old schema
// snapshots live in tests/unit/store/data/ and the tests migrate each of them.
#pragma once

#include <span>

#include "store/database.h"

namespace keydesk::store {

inline constexpr int kSchemaVersion = 3;

struct Migration {
  int version;
  const char* summary;
  const char* sqlite;
  const char* postgres;
};
std::span<const Migration> migrations();

// The version the database is at (0: empty).
Result<int> schema_version(Database& db);
// Brings the database to `target` (tests stop early to build old snapshots). Returns the version it was
// at before.
Result<int> migrate(Database& db, int target = kSchemaVersion);

}  // namespace keydesk::store
