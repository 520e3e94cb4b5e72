#include "store/record.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>

#include "crypto/digest.h"
#include "store/record_codec.h"
#include "store/sealing.h"

namespace keydesk::store {
namespace {

template <typename E, size_t N>
struct Names {
  std::array<std::pair<E, const char*>, N> table;
  const char* name(E e) const {
    for (const auto& [v, n] : table)
      if (v == e) return n;
    return "unknown";
  }
  std::optional<E> parse(std::string_view s) const {
    for (const auto& [v, n] : table)
      if (s == n) return v;
    return std::nullopt;
  }
};

constexpr Names<LifecycleStatus, 5> kStatus{{{{LifecycleStatus::kInStock, "in-stock"},
                                              {LifecycleStatus::kActive, "active"},
                                              {LifecycleStatus::kSuspended, "suspended"},
                                              {LifecycleStatus::kLost, "lost"},
                                              {LifecycleStatus::kDecommissioned, "decommissioned"}}}};
constexpr Names<CuidSource, 2> kCuidSource{
    {{{CuidSource::kCplc, "cplc"}, {CuidSource::kDeviceSerial, "device-serial"}}}};
constexpr Names<ProvisioningState, 3> kProvisioning{{{{ProvisioningState::kNone, "none"},
                                                      {ProvisioningState::kPending, "pending"},
                                                      {ProvisioningState::kConfirmed, "confirmed"}}}};
constexpr Names<PinMethod, 5> kPinMethod{{{{PinMethod::kUnknown, "unknown"},
                                           {PinMethod::kDefaultForceChange, "default-force-change"},
                                           {PinMethod::kRandomDelivered, "random-delivered"},
                                           {PinMethod::kUserChosen, "user-chosen"},
                                           {PinMethod::kDefaultNoForceChange, "default-no-force-change"}}}};
constexpr Names<PukMethod, 6> kPukMethod{{{{PukMethod::kUnknown, "unknown"},
                                           {PukMethod::kNotSet, "not-set"},
                                           {PukMethod::kRandomPerToken, "random-per-token"},
                                           {PukMethod::kDerived, "derived"},
                                           {PukMethod::kBatchShared, "batch-shared"},
                                           {PukMethod::kFactoryDefault, "factory-default"}}}};
constexpr Names<AdminKeyMethod, 4> kAdminKeyMethod{{{{AdminKeyMethod::kUnknown, "unknown"},
                                                     {AdminKeyMethod::kFactoryDefault, "factory-default"},
                                                     {AdminKeyMethod::kRandomPerToken, "random-per-token"},
                                                     {AdminKeyMethod::kDerived, "derived"}}}};

// Drops the values a column defaults to ("", "none", "unknown", 0, empty lists), recursively.
nlohmann::json without_defaults(const nlohmann::json& j) {
  if (j.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto it = j.begin(); it != j.end(); ++it) {
      nlohmann::json v = without_defaults(it.value());
      const bool is_default = (v.is_string() && (v == "" || v == "none" || v == "unknown")) ||
                              (v.is_number_integer() && v == 0) || (v.is_array() && v.empty()) ||
                              (v.is_object() && v.empty()) || v.is_null();
      if (!is_default) out[it.key()] = std::move(v);
    }
    return out;
  }
  if (j.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : j) out.push_back(without_defaults(v));
    return out;
  }
  return j;
}

}  // namespace

const char* status_name(LifecycleStatus s) {
  return kStatus.name(s);
}
std::optional<LifecycleStatus> parse_status(std::string_view n) {
  return kStatus.parse(n);
}
const char* cuid_source_name(CuidSource s) {
  return kCuidSource.name(s);
}
std::optional<CuidSource> parse_cuid_source(std::string_view n) {
  return kCuidSource.parse(n);
}
const char* provisioning_name(ProvisioningState s) {
  return kProvisioning.name(s);
}
std::optional<ProvisioningState> parse_provisioning(std::string_view n) {
  return kProvisioning.parse(n);
}
const char* pin_method_name(PinMethod m) {
  return kPinMethod.name(m);
}
std::optional<PinMethod> parse_pin_method(std::string_view n) {
  return kPinMethod.parse(n);
}
const char* puk_method_name(PukMethod m) {
  return kPukMethod.name(m);
}
std::optional<PukMethod> parse_puk_method(std::string_view n) {
  return kPukMethod.parse(n);
}
const char* admin_key_method_name(AdminKeyMethod m) {
  return kAdminKeyMethod.name(m);
}
std::optional<AdminKeyMethod> parse_admin_key_method(std::string_view n) {
  return kAdminKeyMethod.parse(n);
}

iso7816::Cuid cuid_from_device_serial(uint32_t serial) {
  Bytes b(6, 0);
  append_be32(b, serial);
  return *iso7816::Cuid::from_bytes(b);
}

std::optional<SecretField> SecretField::parse(std::string_view name) {
  if (name == "puk" || name == "initial-pin" || name == "admin-key" || name == "piv-management-key" ||
      name == "fido-pin")
    return SecretField(std::string(name));
  constexpr std::string_view kSeed = "oath-seed/";
  if (name.starts_with(kSeed) && name.size() > kSeed.size() && name.size() <= kSeed.size() + 64)
    return SecretField(std::string(name));
  return std::nullopt;
}

nlohmann::json record_to_json(const TokenRecord& r) {
  nlohmann::json certs = nlohmann::json::array();
  for (const auto& c : r.certificates)
    certs.push_back(
        {{"slot", c.slot}, {"subject", c.subject}, {"serial", c.serial}, {"not_after", c.not_after}});
  nlohmann::json oath = nlohmann::json::array();
  for (const auto& o : r.oath)
    oath.push_back({{"name", o.name},
                    {"type", o.type},
                    {"algorithm", o.algorithm},
                    {"digits", o.digits},
                    {"counter", o.counter},
                    {"period", o.period},
                    {"pskc_ref", o.pskc_ref}});
  return {{"cuid", r.cuid.hex()},
          {"cuid_source", cuid_source_name(r.cuid_source)},
          {"serial", r.serial},
          {"model", r.model},
          {"atr", r.atr},
          {"status", status_name(r.status)},
          {"status_reason", r.status_reason},
          {"status_operator", r.status_operator},
          {"status_changed_at", r.status_changed_at},
          {"provisioning", provisioning_name(r.provisioning)},
          {"user", {{"name", r.user.name}, {"employee_id", r.user.employee_id}, {"email", r.user.email}}},
          {"provisioned_at", r.provisioned_at},
          {"provisioned_by", r.provisioned_by},
          {"pin_method", pin_method_name(r.pin_method)},
          {"puk_method", puk_method_name(r.puk_method)},
          {"admin_key_method", admin_key_method_name(r.admin_key_method)},
          {"admin_key_check", r.admin_key_check},
          {"fido_policy", r.fido_policy},
          {"certificates", certs},
          {"oath", oath},
          {"secrets_on_record", r.secrets_on_record},
          {"version", r.version},
          {"created_at", r.created_at},
          {"updated_at", r.updated_at}};
}

Bytes record_mac_input(const TokenRecord& record, const std::map<std::string, Bytes>& sealed_by_field) {
  TokenRecord sorted = record;  // one canonical order for the lists, whatever order the caller built
  std::sort(sorted.certificates.begin(), sorted.certificates.end(),
            [](const auto& a, const auto& b) { return a.slot < b.slot; });
  std::sort(sorted.oath.begin(), sorted.oath.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  nlohmann::json j = record_to_json(sorted);
  j.erase("secrets_on_record");
  nlohmann::json secrets = nlohmann::json::object();
  for (const auto& [field, sealed] : sealed_by_field)
    secrets[field] = to_hex(crypto::hash(crypto::HashAlg::kSha256, sealed));
  j["secrets"] = secrets;
  return bytes_of("keydesk-record-v1" + without_defaults(j).dump());
}

Bytes vault_mac_input(std::string_view name, int64_t version, ByteView sealed) {
  Bytes in = bytes_of("keydesk-vault-v1");
  append_field(in, name);
  append_be64(in, static_cast<uint64_t>(version));
  append(in, crypto::hash(crypto::HashAlg::kSha256, sealed));
  return in;
}

std::string now_utc() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace keydesk::store
