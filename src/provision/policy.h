// A rollout policy (docs/provisioning.md, "The policy file"): what `keydesk provision` makes of a token —
// PUK strategy, PIN method, force-change, the XAUTH admin key's diversification, the PIV management key,
// OATH credentials (generated or imported from PSKC, exported for the validation server) and the FIDO
// rule. A JSON document, read strictly: unknown keys, duplicate keys, wrong types and out-of-range values
// are refused with the JSON pointer of the offending member, and a policy never holds a secret — secrets
// come from the store's vault by name, from a file or from an environment variable (SecretSource).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "crypto/cipher.h"
#include "crypto/digest.h"

namespace keydesk::provision {

inline constexpr std::string_view kPolicyFormat = "keydesk-provisioning-policy/1";
inline constexpr size_t kMaxPolicyBytes = 64 * 1024;
inline constexpr size_t kMaxPolicyDepth = 8;

// Where a secret the policy needs comes from. Never the secret itself.
struct SecretSource {
  enum class Kind { kVault, kFile, kEnv };
  Kind kind = Kind::kVault;
  std::string name;  // vault secret name, file path, or environment variable name
  bool operator==(const SecretSource&) const = default;
};
const char* secret_source_kind_name(SecretSource::Kind kind);  // "vault", "file", "env"

enum class PukStrategy { kRandomPerToken, kDerived, kBatchShared };
const char* puk_strategy_name(PukStrategy s);  // "random-per-token", "derived", "batch-shared"

struct PukPolicy {
  PukStrategy strategy = PukStrategy::kRandomPerToken;
  int length = 8;                                 // digits, 6..8 (the ACA's and a YubiKey's PUK limits)
  std::optional<SecretSource> derivation_master;  // kDerived: the HMAC key (derivation.h, derive_puk)
  std::string batch;  // kBatchShared: the batch name; the PUK is the vault secret "puk-batch/<batch>"
  int max_tries = 3;  // 1..15
};

enum class PinMethod { kDefaultForceChange, kRandomDelivered };
const char* pin_method_name(PinMethod m);  // "default-force-change", "random-delivered"
// What a default-force-change policy does on a token that has no force-change (a PIV-only YubiKey).
enum class NoForceChangeFallback { kKeepDefault, kRandomDelivered };

struct PinPolicy {
  PinMethod method = PinMethod::kDefaultForceChange;
  int length = 6;                      // digits of a random PIN: min_length..max_length
  int min_length = 6, max_length = 8;  // the token's PIN length rule (ACA properties), 4..8
  int max_tries = 3;                   // 1..15
  NoForceChangeFallback without_force_change = NoForceChangeFallback::kKeepDefault;
  // The token's PIN as delivered; absent: the published default 123456 (docs/provisioning.md).
  std::optional<SecretSource> transport_pin;
};

enum class XauthChallenge { kDynamic, kStatic };

// The ACA's XAUTH admin key: diversified per token from a master key and the CUID (derivation.h).
struct AdminKeyPolicy {
  crypto::BlockCipher algorithm = crypto::BlockCipher::kAes128;
  SecretSource master;
  XauthChallenge challenge = XauthChallenge::kDynamic;
  int max_tries = 5;  // 1..15
};

// The PIV management key (9B): a recorded random key, never left at the default.
struct PivManagementKeyPolicy {
  crypto::BlockCipher algorithm = crypto::BlockCipher::kAes192;
  bool touch = false;
};

enum class OathKind { kHotp, kTotp };

// A credential keydesk generates (a fresh random seed per token).
struct OathGenerated {
  std::string name;  // template: {user}, {serial}, {cuid} are replaced; 1..64 bytes once expanded
  OathKind kind = OathKind::kTotp;
  crypto::HashAlg hash = crypto::HashAlg::kSha1;
  int digits = 6;         // 6..8 (YKOATH)
  uint32_t period = 30;   // TOTP, 1..3600 s
  uint32_t counter = 0;   // HOTP initial moving factor
  int secret_bytes = 20;  // 16..64
  bool touch = false;
};

enum class HotpWithoutCounter { kRefuse, kStartAtZero };

// Credentials from an RFC 6030 file: the KeyPackages whose DeviceInfo/SerialNo is the token's serial.
struct OathImport {
  std::string file;
  std::optional<SecretSource> preshared_key;  // hex text in a file/env; raw bytes in the vault
  std::optional<SecretSource> passphrase;     // text
  std::string name = "{issuer}:{id}";         // template: {issuer}, {id}, {user}, {serial}, {cuid}
  HotpWithoutCounter hotp_without_counter = HotpWithoutCounter::kRefuse;
  bool touch = false;
};

enum class ExportCipher { kAes128Cbc, kAes256Cbc };
enum class ExportMac { kHmacSha1, kHmacSha256 };

// The validation server's PSKC, written from the store once the token holds the credentials.
struct OathExport {
  std::string directory;  // <directory>/<CUID>.pskc
  std::optional<SecretSource> preshared_key;
  std::optional<SecretSource> passphrase;
  std::string key_name;  // ds:KeyName / xenc11:MasterKeyName: which key the server should use
  ExportCipher cipher = ExportCipher::kAes128Cbc;
  ExportMac mac = ExportMac::kHmacSha1;
  std::optional<unsigned> pbkdf2_iterations;  // passphrase only; default pskc's 1,300,000
};

struct OathPolicy {
  std::vector<OathGenerated> generate;
  std::optional<OathImport> import;
  std::optional<OathExport> export_to;
};

enum class FidoScope { kOutOfScope, kPinRule };

struct FidoPolicy {
  FidoScope scope = FidoScope::kOutOfScope;
  std::string rule;        // the rule's name, recorded as the record's fido_policy
  int min_pin_length = 4;  // 4..63 (CTAP 2.1)
  bool set_pin = false;    // set a recorded random FIDO PIN (only on a token without one)
  int pin_length = 8;      // digits of that PIN: min_pin_length..63
};

struct Policy {
  std::string name;  // [A-Za-z0-9._-]{1,32}: recorded in the journal
  std::string description;
  PukPolicy puk;
  PinPolicy pin;
  std::optional<AdminKeyPolicy> admin_key;  // needed for tokens with the ACA
  PivManagementKeyPolicy piv_management_key;
  OathPolicy oath;
  FidoPolicy fido;
  std::string digest;  // SHA-256 of the file's bytes (hex): binds a run to the policy it started with
};

// Parses and validates a policy document. Every error is kUsage (the file is the operator's input: not
// JSON, a duplicate key, too deep or too large, a member missing, unknown, of the wrong type or out of
// range), the context naming the member by JSON pointer ("policy /puk/length: ..."). Never returns a
// partly read policy.
Result<Policy> parse_policy(std::string_view text);

// Expands {user}, {serial}, {cuid} (and for imports {issuer}, {id}) in a credential name template.
// kUsage for an unknown placeholder or an unbalanced brace.
struct NameFields {
  std::string user, serial, cuid, issuer, id;
};
Result<std::string> expand_name(std::string_view name_template, const NameFields& fields);

}  // namespace keydesk::provision
