// Where the store lives, chosen by a URL in one place (open_database), as SoftHSMv2 chooses its object
// store backend from its configuration:
//   sqlite:PATH                     embedded, the default: sqlite:$XDG_DATA_HOME/keydesk/store.db
//   postgresql://... postgres://... a PostgreSQL database shared by several operators and servers
//                                   (libpq connection URI, e.g. postgresql://keydesk@db.example/keydesk)
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "store/database.h"

namespace keydesk::store {

// $XDG_DATA_HOME/keydesk/store.db ($HOME/.local/share when unset), as a sqlite: URL.
std::string default_store_url();
// file:$XDG_CONFIG_HOME/keydesk/master.key ($HOME/.config when unset): kept apart from the store, so a
// copy of the data directory alone opens no secret.
std::string default_master_key_reference();
// The URL with any password replaced by "***", for messages and `store info`.
std::string redact_url(std::string_view url);
// The one place a backend is chosen. Without `create`, a SQLite file that does not exist is kNotFound
// (a mistyped path must not leave an empty store behind).
Result<std::unique_ptr<Database>> open_database(std::string_view url, bool create = false);

}  // namespace keydesk::store
