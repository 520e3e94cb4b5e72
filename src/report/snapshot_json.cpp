#include "report/snapshot_json.h"

#include "core/error.h"
#include "core/text.h"

namespace keydesk::report {
namespace {}  // namespace

ojson access_control_json(const runbook::AccessControl& a) {
  ojson j;
  j["Source"] = a.source;
  j["CurrentPinTryCounter"] = or_null(a.pin_remaining);
  j["MaxPinTryCounter"] = or_null(a.pin_max);
  j["CurrentPinUnlockCounter"] = or_null(a.puk_remaining);
  j["MaxPinUnlockCounter"] = or_null(a.puk_max);
  j["PUKInitialized"] = or_null(a.puk_initialized);
  j["XAUTHKeysInitializedStatus"] = or_null(a.xauth_initialized);
  j["XAUTHChallengeType"] = or_null(a.xauth_challenge_type);
  j["CurrentXAUTHTryCounter"] = or_null(a.xauth_remaining);
  j["MaxXAUTHTryCounter"] = or_null(a.xauth_max);
  j["MinPinLength"] = or_null(a.min_pin_length);
  j["MaxPinLength"] = or_null(a.max_pin_length);
  j["PINSharedWithFIDO"] = or_null(a.pin_shared_with_fido);
  j["ForcePinChange"] = or_null(a.force_pin_change);
  j["PinIsDefault"] = or_null(a.pin_is_default);
  j["Unknown"] = ojson::object();
  for (const auto& [name, why] : a.unknown) j["Unknown"][name] = why;
  return j;
}

ojson oath_json(const runbook::OathState& oath) {
  ojson j;
  j["PropertiesAvailable"] = oath.properties_available;
  auto& list = j["Credentials"] = ojson::array();
  for (const auto& c : oath.credentials) {
    ojson e;
    put_text(e, "FriendlyName", c.name);
    e["Type"] = c.type;
    e["Algorithm"] = c.algorithm;
    e["Digits"] = or_null(c.digits);
    if (c.type == "HOTP")
      e["Counter"] = or_null(c.counter);
    else
      e["Period"] = or_null(c.period);
    e["ContactUsageACR"] = or_null(c.contact_acr);
    e["ContactlessUsageACR"] = or_null(c.contactless_acr);
    list.push_back(std::move(e));
  }
  return j;
}

ojson fido_json(const runbook::FidoState& f) {
  ojson j;
  j["Reachable"] = f.reachable;
  if (!f.reachable) {
    j["UnreachableReason"] = terminal_text(f.unreachable_reason);
    return j;
  }
  j["Transport"] = f.transport;
  // Versions and option names are protocol words from the authenticator's getInfo; one that is not
  // valid UTF-8 is shown with U+FFFD and listed, exactly, in hex under "UndecodableText".
  ojson undecodable = ojson::array();
  auto text = [&](const std::string& bytes) {
    if (!is_valid_utf8(bytes)) undecodable.push_back(to_hex(bytes_of(bytes), true));
    return utf8_replacing_invalid(bytes);
  };
  j["Versions"] = ojson::array();
  for (const auto& v : f.versions) j["Versions"].push_back(text(v));
  j["AAGUID"] = f.aaguid;
  j["Options"] = ojson::object();
  for (const auto& [name, value] : f.options) j["Options"][text(name)] = value;
  // Retries exist only where a PIN is set (with no PIN the counter is the untouched maximum).
  if (f.client_pin() == true) j["PinRetries"] = or_null(f.pin_retries);
  if (f.power_cycle_required) j["PowerCycleRequired"] = *f.power_cycle_required;
  j["RemainingDiscoverableCredentials"] = or_null(f.remaining_discoverable_credentials);
  j["MinPinLength"] = or_null(f.min_pin_length);
  j["AttestationCertificateSubject"] = nullptr;
  if (!f.attestation_subject.empty()) put_text(j, "AttestationCertificateSubject", f.attestation_subject);
  if (!undecodable.empty()) j["UndecodableText"] = std::move(undecodable);
  return j;
}

ojson findings_json(const std::vector<runbook::Finding>& findings) {
  ojson list = ojson::array();
  for (const auto& f : findings)
    list.push_back({{"id", f.id},
                    {"severity", runbook::severity_name(f.severity)},
                    {"summary", terminal_text(f.summary)},
                    {"evidence", terminal_text(f.evidence)},
                    {"next_step", terminal_text(f.next_step)}});
  return list;
}

ojson counter_check_json(const runbook::CounterCheck& check) {
  auto value = [](const runbook::CounterReading& r, const std::optional<uint64_t>& v) {
    if (!v) return ojson(nullptr);
    return r.kind == runbook::CounterReading::Kind::kFlag ? ojson(*v != 0) : ojson(*v);
  };
  auto list = [&](const std::vector<runbook::CounterReading>& readings) {
    ojson out = ojson::array();
    for (const auto& r : readings)
      out.push_back({{"Counter", r.name}, {"Before", value(r, r.before)}, {"After", value(r, r.after)}});
    return out;
  };
  return {{"Outcome", runbook::outcome_name(check.outcome)},
          {"Unchanged", list(check.unchanged)},
          {"Changed", list(check.changed)},
          {"Unread", list(check.unread)},
          {"FidoPinSetMeanwhile", check.fido_pin_set_meanwhile},
          {"Refused", check.refused},
          {"Statement", check.statement}};
}

}  // namespace keydesk::report
