// The store's vault masters a policy names ({"vault": NAME}: a PUK-derivation or XAUTH master,
// docs/provisioning.md "Derivations").
#pragma once

#include <string_view>

#include "store/record_store.h"

namespace keydesk::provision {

// A random master of `bytes` bytes (16..64) sealed in the vault under `name`. kRefused when the name exists:
// every value derived from a master depends on it, so keydesk never replaces one.
Status create_vault_master(store::RecordStore& store, std::string_view name, size_t bytes,
                           const store::Actor& actor, std::string_view reason);

}  // namespace keydesk::provision
