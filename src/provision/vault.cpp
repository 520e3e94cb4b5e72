#include "provision/vault.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "core/text.h"
#include "crypto/random.h"

namespace keydesk::provision {

Status create_vault_master(store::RecordStore& store, std::string_view name, size_t bytes,
                           const store::Actor& actor, std::string_view reason) {
  if (bytes < 16 || bytes > 64) return Error::make(ErrorKind::kUsage, "a vault master is 16..64 bytes");
  KD_ASSIGN_OR_RETURN(std::vector<std::string> names, store.vault_names());
  if (std::find(names.begin(), names.end(), name) != names.end())
    return Error::make(ErrorKind::kRefused,
                       "vault secret " + quoted_text(name) +
                           " exists; keydesk never replaces a master other tokens depend on");
  Bytes value = crypto::random_bytes(bytes);
  auto put = store.vault_put(name, value, actor, reason);
  OPENSSL_cleanse(value.data(), value.size());
  return put;
}

}  // namespace keydesk::provision
