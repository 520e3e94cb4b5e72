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

namespace keydesk::card::oath {

enum class OathType : uint8_t { kHotp = 0x10, kTotp = 0x20 };

// Who may use a credential on one interface (keydesk extension modelled on ContactUsageACR /
// ContactlessUsageACR): kPin needs the card PIN verified through the OATH applet's VERIFY.
enum class AccessRule : uint8_t { kAlways = 0x00, kPin = 0x01, kTouch = 0x02 };

inline constexpr uint8_t kPropertyIncreasing = 0x01;  // YKOATH "only increasing challenge"
inline constexpr uint8_t kPropertyTouch = 0x02;       // YKOATH "require touch"
inline constexpr size_t kMaxNameLength = 64;

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
// RFC 4226 dynamic truncation: 4 bytes at offset (last byte & 0x0F) with the top bit cleared.
uint32_t dynamic_truncate(ByteView hmac);

}  // namespace keydesk::card::oath
