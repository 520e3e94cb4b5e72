// The subset of RFC 7512 PKCS#11 URIs that names the store's master key:
//   pkcs11:token=LABEL;object=LABEL[;id=%01]?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:PATH
// Path attributes are separated by ';', query attributes by '&'; values are percent-encoded (RFC 3986).
// pin-value= is accepted for tests and scripts but never recorded (reference() drops it).
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"
#include "core/secure_bytes.h"

namespace keydesk::store {

struct Pkcs11Uri {
  std::string token;   // token label (CK_TOKEN_INFO.label, without the blank padding)
  std::string object;  // CKA_LABEL of the AES key
  Bytes id;            // CKA_ID, optional
  std::string module_path;
  std::string pin_source;  // "file:PATH" or empty
  SecureString pin_value;

  static Result<Pkcs11Uri> parse(std::string_view uri);
  // The URI again, without pin-value.
  std::string reference() const;
  // The user PIN from pin-value or the pin-source file (first line); kUsage if neither is given.
  Result<SecureString> pin() const;
};

}  // namespace keydesk::store
