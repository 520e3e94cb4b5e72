// The token record the store keeps per CUID (docs/store.md, "Token record"). Plain values: no secret is
// ever a member of a record; secrets live sealed in their own rows and a record only names which are on
// record (`secrets_on_record`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iso7816/cuid.h"

namespace keydesk::store {

// docs/store.md, "Lifecycle": the states a card management system knows a token in.
enum class LifecycleStatus { kInStock, kActive, kSuspended, kLost, kDecommissioned };
const char* status_name(LifecycleStatus s);  // "in-stock", "active", ...
std::optional<LifecycleStatus> parse_status(std::string_view name);

// Where the record key came from. A token without a CPLC (a YubiKey's PIV has none) is keyed by its
// device serial, mapped into the CUID space by cuid_from_device_serial().
enum class CuidSource { kCplc, kDeviceSerial };
const char* cuid_source_name(CuidSource s);  // "cplc", "device-serial"
std::optional<CuidSource> parse_cuid_source(std::string_view name);
// IC fabricator 0000, IC type 0000, batch 0000 (no fabricator has these), then the serial big-endian:
// 000000000000 + 8 hex digits. A real CPLC never yields this prefix.
iso7816::Cuid cuid_from_device_serial(uint32_t serial);

// "record before set": a provisioning run writes the record with kPending before any secret reaches the
// token, and confirms it once the token holds them.
enum class ProvisioningState { kNone, kPending, kConfirmed };
const char* provisioning_name(ProvisioningState s);  // "none", "pending", "confirmed"
std::optional<ProvisioningState> parse_provisioning(std::string_view name);

// How the initial PIN was set. kDefaultNoForceChange: the transport PIN was kept on a token that has no
// force-change (a PIV-only YubiKey), so nothing makes its holder change it (docs/provisioning.md).
enum class PinMethod { kUnknown, kDefaultForceChange, kRandomDelivered, kUserChosen, kDefaultNoForceChange };
// "unknown", "default-force-change", "random-delivered", "user-chosen", "default-no-force-change"
const char* pin_method_name(PinMethod m);
std::optional<PinMethod> parse_pin_method(std::string_view name);

// How the PUK was chosen.
enum class PukMethod { kUnknown, kNotSet, kRandomPerToken, kDerived, kBatchShared, kFactoryDefault };
const char* puk_method_name(PukMethod m);  // "unknown", "not-set", "random-per-token", "derived", ...
std::optional<PukMethod> parse_puk_method(std::string_view name);

// How the XAUTH / PIV management (admin) key was set.
enum class AdminKeyMethod { kUnknown, kFactoryDefault, kRandomPerToken, kDerived };
const char* admin_key_method_name(AdminKeyMethod m);
std::optional<AdminKeyMethod> parse_admin_key_method(std::string_view name);

struct UserIdentity {
  std::string name;
  std::string employee_id;
  std::string email;
  bool operator==(const UserIdentity&) const = default;
};

// One certificate in a PIV slot; "my certificate expired" is a lockout cause, so not_after is queryable.
struct PivCertificate {
  std::string slot;       // "9a", "9c", "9d", "9e", "82".."95"
  std::string subject;    // RFC 4514 string
  std::string serial;     // hex
  std::string not_after;  // ISO 8601 UTC, e.g. 2027-01-31T23:59:59Z
  bool operator==(const PivCertificate&) const = default;
};

// One OATH credential (RFC 4226 HOTP / RFC 6238 TOTP); its seed is a sealed secret
// (SecretField::oath_seed(name)), never a member.
struct OathCredential {
  std::string name;
  std::string type = "totp";       // "hotp" | "totp"
  std::string algorithm = "SHA1";  // "SHA1" | "SHA256" | "SHA512"
  int digits = 6;
  uint64_t counter = 0;  // HOTP moving factor: the next counter value the validator accepts
  uint32_t period = 30;  // TOTP time step in seconds
  std::string pskc_ref;  // RFC 6030 KeyPackage Key Id it was imported from, or empty
  bool operator==(const OathCredential&) const = default;
};

struct TokenRecord {
  iso7816::Cuid cuid;
  CuidSource cuid_source = CuidSource::kCplc;
  std::string serial;  // device serial as the vendor prints it
  std::string model;
  std::string atr;  // hex

  LifecycleStatus status = LifecycleStatus::kInStock;
  std::string status_reason;
  std::string status_operator;
  std::string status_changed_at;

  ProvisioningState provisioning = ProvisioningState::kNone;
  UserIdentity user;
  std::string provisioned_at;
  std::string provisioned_by;

  PinMethod pin_method = PinMethod::kUnknown;
  PukMethod puk_method = PukMethod::kUnknown;
  AdminKeyMethod admin_key_method = AdminKeyMethod::kUnknown;
  std::string admin_key_check;  // key check value of the admin key (hex), never the key
  std::string fido_policy;      // name of the FIDO policy applied, e.g. "pin-required-8"

  std::vector<PivCertificate> certificates;
  std::vector<OathCredential> oath;

  // Read-only views filled by the store: which sealed secrets exist for this token (field names), the
  // record's version (optimistic concurrency) and its timestamps.
  std::vector<std::string> secrets_on_record;
  int64_t version = 0;
  std::string created_at;
  std::string updated_at;
};

// The name of a sealed secret of a token. It is part of the sealing's associated data, so a ciphertext
// moved to another field does not open.
class SecretField {
 public:
  static SecretField puk() { return SecretField("puk"); }
  static SecretField initial_pin() { return SecretField("initial-pin"); }
  static SecretField admin_key() { return SecretField("admin-key"); }
  // The PIV management key of a token whose admin key is the ACA's XAUTH key (both are set).
  static SecretField piv_management_key() { return SecretField("piv-management-key"); }
  static SecretField fido_pin() { return SecretField("fido-pin"); }
  static SecretField oath_seed(std::string_view credential) {
    return SecretField("oath-seed/" + std::string(credential));
  }
  // "puk", "initial-pin", "admin-key", "piv-management-key", "fido-pin" or "oath-seed/NAME"; nullopt
  // otherwise.
  static std::optional<SecretField> parse(std::string_view name);
  const std::string& name() const { return name_; }

 private:
  explicit SecretField(std::string name) : name_(std::move(name)) {}
  std::string name_;
};

// Who acts. Every change and every secret read names an operator; it goes into the audit trail.
struct Actor {
  std::string operator_name;
};

// One step of a token's provisioning journal (resumable provisioning).
struct JournalStep {
  std::string step;
  std::string at;
  std::string operator_name;
};

}  // namespace keydesk::store
