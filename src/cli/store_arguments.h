// How every command that uses the record store reads it from its arguments (docs/store.md): one rule for
// the store's URL and master key, for who acts and for why.
#pragma once

#include <optional>
#include <string>

#include "cli/context.h"
#include "store/record_store.h"

namespace keydesk::cli {

// --store, else $KEYDESK_STORE, with --master-key; nullopt when neither names a store (commands for which
// the store is optional: diagnose, hsm-init's escrow).
std::optional<store::StoreOptions> named_store(const Context& ctx);
// The same, falling back to the default store (docs/store.md) when none is named.
store::StoreOptions store_options(const Context& ctx);
// --operator, else the login name: the audit trail always says who.
store::Actor actor(const Context& ctx);
// --reason (a ticket id), empty when not given.
std::string reason(const Context& ctx);

}  // namespace keydesk::cli
