// One YKOATH credential as the card stores it, and the OATH arithmetic over it (RFC 4226 / RFC 6238).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "core/result.h"
#include "crypto/algorithm_ids.h"
#include "crypto/digest.h"
#include "protocol/ykoath.h"

namespace keydesk::card::oath {

using protocol::ykoath::AccessRule;
using protocol::ykoath::kMaxNameLength;
using protocol::ykoath::kPropertyIncreasing;
using protocol::ykoath::kPropertyTouch;
using protocol::ykoath::OathType;

struct OathCredential {
  Bytes name;
  OathType type = OathType::kTotp;
  crypto::HashAlg hash = crypto::HashAlg::kSha1;
  uint8_t digits = 6;
  Bytes secret;
  uint64_t counter = 0;  // HOTP moving factor (next value to use); 64-bit although the wire IMF is 32-bit
  bool increasing = false;
  AccessRule contact = AccessRule::kAlways;
  AccessRule contactless = AccessRule::kAlways;

  ~OathCredential() { wipe(secret); }
  OathCredential() = default;
  OathCredential(const OathCredential&) = default;
  OathCredential(OathCredential&&) = default;
  OathCredential& operator=(const OathCredential&) = default;
  OathCredential& operator=(OathCredential&&) = default;

  // The YKOATH type|algorithm byte (e.g. 0x21 = TOTP/SHA1).
  uint8_t kind_byte() const;
  uint8_t properties() const;
  // TOTP period from the "period/" name prefix (ykman's convention); 30 when absent.
  uint32_t period() const;

  nlohmann::json save() const;
  static Result<OathCredential> load(const nlohmann::json& j);
};

// Names used in profiles and state files: "sha1", "sha256", "sha512".
const char* oath_hash_name(crypto::HashAlg hash);
std::optional<crypto::HashAlg> oath_hash_from_name(const std::string& name);

}  // namespace keydesk::card::oath
