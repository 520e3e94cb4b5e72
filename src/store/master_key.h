// The master key wraps the store's data key (docs/store.md, "Key hierarchy"). Two kinds, chosen by the
// reference's scheme in open_master_key():
//   file:PATH        32 random bytes in a key file created 0600 by `keydesk store init`; a key file that
//                    group or others can read (or that another user owns) is refused.
//   pkcs11:...       an AES-256 key inside a PKCS#11 token (RFC 7512 URI: token=, object=, id= path
//                    attributes; module-path=, pin-source=file:PATH or pin-value= query attributes). The
//                    key is generated on the token, sensitive and not extractable; wrapping is AES-GCM
//                    done by the token (C_Encrypt), so the master key never enters keydesk's memory.
// Both wrap with AES-256-GCM: nonce (12) || ciphertext || tag (16), associated data from the caller.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"
#include "core/secure_bytes.h"

namespace keydesk::store {

class MasterKey {
 public:
  virtual ~MasterKey() = default;
  // How to find the key again, as recorded in the store: "file:/abs/path" or the pkcs11: URI without
  // pin-value (a pin-source stays). Never contains a secret.
  virtual std::string reference() const = 0;
  virtual Result<Bytes> wrap(ByteView associated_data, const SecureBytes& data_key) = 0;
  // kIntegrity when the wrapped key does not open under this master key.
  virtual Result<SecureBytes> unwrap(ByteView associated_data, ByteView wrapped) = 0;
};

// Opens an existing master key; kNotFound if there is none at that reference.
Result<std::unique_ptr<MasterKey>> open_master_key(std::string_view reference);
// Creates the key if it does not exist yet, then opens it. `created` tells which happened.
Result<std::unique_ptr<MasterKey>> create_master_key(std::string_view reference, bool* created = nullptr);

// The key-file master key's pieces, for tests and `store init`.
namespace key_file {
// kRefused when the file is readable or writable by group/others or owned by someone else.
Status check_permissions(const std::string& path);
}  // namespace key_file

// The PKCS#11 kind (pkcs11_master_key.cpp).
Result<std::unique_ptr<MasterKey>> open_pkcs11_master_key(std::string_view uri, bool create, bool* created);

}  // namespace keydesk::store
