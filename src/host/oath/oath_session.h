// Host side of YKOATH (works with YubiKeys and keydesk-sim) and of keydesk's OATH extensions
// (docs/oath-extensions.md: credential properties with access rules, VERIFY with the card PIN).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/digest.h"
#include "host/apdu_connection.h"
#include "host/verify_result.h"
#include "protocol/ykoath.h"

namespace keydesk::host::oath {

using protocol::ykoath::OathType;
using OathAccessRule = protocol::ykoath::AccessRule;

struct OathApplicationInfo {
  uint8_t version[3] = {0, 0, 0};
  Bytes salt;  // device id and PBKDF2 salt
  bool password_required = false;
};

// One credential. LIST (any YKOATH token) fills name, type and hash only; keydesk's GET CREDENTIAL PROPERTIES
// fills the rest.
struct OathCredentialInfo {
  std::string name;
  OathType type = OathType::kTotp;
  crypto::HashAlg hash = crypto::HashAlg::kSha1;
  std::optional<int> digits;
  std::optional<uint64_t> counter;  // HOTP: the next moving factor the token will use
  std::optional<uint32_t> period;   // TOTP
  std::optional<bool> touch;
  std::optional<OathAccessRule> contact;
  std::optional<OathAccessRule> contactless;
};

struct OathCredentialSpec {
  std::string name;  // "[period/][issuer:]account", 1..64 bytes
  OathType type = OathType::kTotp;
  crypto::HashAlg hash = crypto::HashAlg::kSha1;
  int digits = 6;
  Bytes secret;
  uint32_t initial_counter = 0;  // HOTP
  bool touch = false;
  // keydesk extension: access rules for contact and contactless use (YubiKeys refuse this item).
  std::optional<std::pair<OathAccessRule, OathAccessRule>> access_rules;
};

// One entry of CALCULATE ALL.
struct OathCode {
  enum class Kind {
    kCode,        // code holds the value
    kHotp,        // event-based: not calculated (would advance the counter); use calculate_hotp()
    kNeedsAction  // touch or the card PIN is needed first; calculate it on its own
  };
  std::string name;
  Kind kind = Kind::kCode;
  std::string code;
  int digits = 0;
};

class OathSession {
 public:
  static const Bytes& aid();

  explicit OathSession(ApduConnection& connection);

  Result<OathApplicationInfo> select();
  // After a SELECT that reported a password: derive the key and prove it. false = wrong password.
  Result<bool> validate(std::string_view password);
  Status set_password(std::string_view password);
  Status clear_password();

  Result<std::vector<OathCredentialInfo>> list();
  // keydesk's properties (access rules, counters); plain LIST for a token without the extension.
  Result<std::vector<OathCredentialInfo>> list_with_properties();

  Result<std::string> calculate_totp(std::string_view name, int64_t unix_time, uint32_t period = 30);
  Result<std::string> calculate_hotp(std::string_view name);  // advances the token's counter
  // Never advances a counter: HOTP and touch/PIN credentials come back without a code.
  Result<std::vector<OathCode>> calculate_all(int64_t unix_time);

  Status put(const OathCredentialSpec& spec);
  Status remove(std::string_view name);
  Status rename(std::string_view from, std::string_view to);
  Status reset();
  // VERIFY with the card PIN, for credentials whose rule is "pin" (keydesk extension).
  Result<VerifyResult> verify_pin(std::string_view pin);

 private:
  Result<std::string> calculate(std::string_view name, Bytes challenge);
  Result<Bytes> send_ok(CommandApdu cmd, const char* context);

  ApduConnection& connection_;
  OathApplicationInfo info_;
  Bytes select_challenge_;
};

}  // namespace keydesk::host::oath
