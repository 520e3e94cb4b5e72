#include "fleet/record_check.h"

#include <algorithm>
#include <chrono>
#include <ctime>

namespace keydesk::fleet {

using nlohmann::ordered_json;
using store::PinMethod;

std::optional<iso7816::Cuid> record_key(const runbook::TokenIdentity& identity) {
  if (!identity.cuid.empty()) return iso7816::Cuid::parse(identity.cuid);
  if (identity.serial) return store::cuid_from_device_serial(*identity.serial);
  return std::nullopt;
}

std::string now_iso8601() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Only what the token reports without a PIN attempt: the ACA's ForcePinChange flag (set at provisioning,
// cleared by the holder's first change) and, on PIV tokens with Yubico metadata, "PIN is the default".
PinState pin_state(const store::TokenRecord& record, const runbook::TokenSnapshot& snapshot) {
  const auto* ac = snapshot.access ? &*snapshot.access : nullptr;
  const std::optional<bool> force = ac ? ac->force_pin_change : std::nullopt;
  const std::optional<bool> is_default = ac ? ac->pin_is_default : std::nullopt;
  switch (record.pin_method) {
    case PinMethod::kDefaultForceChange:
      if (force) {
        if (*force)
          return {true, "still the transport PIN: the token makes its holder change it at first use"};
        return {false, "changed by its holder (the force-change flag is cleared)"};
      }
      break;
    case PinMethod::kDefaultNoForceChange:
      if (is_default) {
        if (*is_default) return {true, "still the transport PIN, and nothing makes its holder change it"};
        return {false, "changed from the transport PIN"};
      }
      break;
    case PinMethod::kRandomDelivered:
    case PinMethod::kUserChosen:
      if (is_default && *is_default)
        return {false, "the factory default PIN, not the provisioned one: it was reset since"};
      return {std::nullopt,
              "the token cannot tell whether the provisioned PIN was changed without a PIN attempt"};
    case PinMethod::kUnknown:
      break;
  }
  if (is_default && *is_default) return {true, "the factory default PIN"};
  return {std::nullopt, "the token does not say"};
}

std::vector<CounterComparison> hotp_counters(const store::TokenRecord& record,
                                             const runbook::TokenSnapshot& snapshot) {
  std::vector<CounterComparison> out;
  for (const auto& c : record.oath) {
    if (c.type != "hotp") continue;
    CounterComparison cmp{c.name, c.counter, std::nullopt, false};
    if (snapshot.oath)
      for (const auto& t : snapshot.oath->credentials)
        if (t.name == c.name) {
          cmp.on_token_listed = true;
          cmp.on_token = t.counter;
        }
    out.push_back(std::move(cmp));
  }
  return out;
}

namespace {

ordered_json optional_bool(std::optional<bool> b) {
  return b ? ordered_json(*b) : ordered_json(nullptr);
}

bool has_secret(const store::TokenRecord& r, std::string_view field) {
  return std::find(r.secrets_on_record.begin(), r.secrets_on_record.end(), field) !=
         r.secrets_on_record.end();
}

}  // namespace

RecordCheck check_record(const store::TokenRecord* record, const runbook::TokenSnapshot& snapshot,
                         std::string_view now) {
  RecordCheck out;
  const auto key = record_key(snapshot.identity);
  out.json["CUID"] = key ? ordered_json(key->hex()) : ordered_json(nullptr);
  if (!record) {
    out.json["OnRecord"] = false;
    out.lines.push_back(key ? "not on record: this token was never provisioned or recorded by keydesk"
                            : "the token gave no CUID and no serial: it cannot be looked up");
    return out;
  }
  const store::TokenRecord& r = *record;
  out.json["OnRecord"] = true;
  out.json["Status"] = store::status_name(r.status);
  out.json["Provisioning"] = store::provisioning_name(r.provisioning);
  out.json["User"] = {{"Name", r.user.name}, {"EmployeeId", r.user.employee_id}, {"Email", r.user.email}};
  out.json["ProvisionedAt"] = r.provisioned_at;
  out.json["ProvisionedBy"] = r.provisioned_by;
  const PinState pin = pin_state(r, snapshot);
  out.json["Pin"] = {{"Method", store::pin_method_name(r.pin_method)},
                     {"StillProvisioned", optional_bool(pin.still_provisioned)},
                     {"State", pin.words}};
  const bool puk = has_secret(r, "puk");
  out.json["Puk"] = {{"Method", store::puk_method_name(r.puk_method)}, {"OnRecord", puk}};
  out.json["AdminKey"] = {{"Method", store::admin_key_method_name(r.admin_key_method)},
                          {"CheckValue", r.admin_key_check}};
  out.json["FidoPolicy"] = r.fido_policy;
  ordered_json certs = ordered_json::array();
  int expired = 0;
  for (const auto& c : r.certificates) {
    const bool gone = !c.not_after.empty() && c.not_after < now;
    expired += gone ? 1 : 0;
    certs.push_back({{"Slot", c.slot}, {"Subject", c.subject}, {"NotAfter", c.not_after}, {"Expired", gone}});
  }
  out.json["Certificates"] = certs;
  ordered_json counters = ordered_json::array();
  const auto cmp = hotp_counters(r, snapshot);
  for (const auto& c : cmp)
    counters.push_back({{"Name", c.name},
                        {"Recorded", c.recorded},
                        {"OnToken", c.on_token ? ordered_json(*c.on_token) : ordered_json(nullptr)},
                        {"Listed", c.on_token_listed},
                        {"Aligned", optional_bool(c.aligned())}});
  out.json["HotpCounters"] = counters;

  const std::string who =
      r.user.name.empty() ? "no user" : r.user.name + (r.user.email.empty() ? "" : " <" + r.user.email + ">");
  out.lines.push_back("owner: " + who + "; status " + store::status_name(r.status) + ", provisioning " +
                      store::provisioning_name(r.provisioning));
  out.lines.push_back("PIN (" + std::string(store::pin_method_name(r.pin_method)) + "): " + pin.words);
  out.lines.push_back(puk ? "PUK: on record (" + std::string(store::puk_method_name(r.puk_method)) +
                                "); `keydesk record secret CUID puk --reason TICKET` releases it"
                          : "PUK: NOT on record");
  for (const auto& c : r.certificates)
    out.lines.push_back("certificate " + c.slot + " (" + c.subject + "): not after " + c.not_after +
                        ((!c.not_after.empty() && c.not_after < now) ? " - EXPIRED" : ""));
  for (const auto& c : cmp) {
    std::string line = "HOTP " + c.name + ": recorded counter " + std::to_string(c.recorded) + ", token ";
    if (c.on_token)
      line += std::to_string(*c.on_token) + (*c.on_token == c.recorded ? " (aligned)" : " (NOT aligned)");
    else
      line += c.on_token_listed ? "does not show its counter" : "does not hold it";
    out.lines.push_back(line);
  }
  if (r.provisioning == store::ProvisioningState::kPending)
    out.lines.push_back(
        "provisioning was interrupted: `keydesk provision --resume --policy FILE` completes it");
  (void)expired;
  return out;
}

}  // namespace keydesk::fleet
