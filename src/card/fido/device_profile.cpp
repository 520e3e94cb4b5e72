#include "card/fido/device_profile.h"

#include <algorithm>
#include <array>
#include <set>

#include "card/fido/cose.h"
#include "card/fido/credential_store.h"
#include "card/fido/ctaphid.h"

namespace keydesk::card::fido {
namespace {
constexpr std::array<std::string_view, 4> kKnownVersions{"U2F_V2", "FIDO_2_0", "FIDO_2_1_PRE", "FIDO_2_1"};
constexpr std::array<std::string_view, 2> kKnownExtensions{"credProtect", "hmac-secret"};
constexpr std::array<std::string_view, 3> kKnownTransports{"usb", "nfc", "ble"};
// Options the authenticator implements, with the one value it can honour.
constexpr std::array<std::pair<std::string_view, bool>, 6> kKnownOptions{{{"rk", true},
                                                                          {"up", true},
                                                                          {"plat", false},
                                                                          {"credMgmt", true},
                                                                          {"credentialMgmtPreview", true},
                                                                          {"pinUvAuthToken", true}}};
constexpr std::array<std::pair<std::string_view, uint8_t>, 3> kCapabilityNames{
    {{"wink", ctaphid::kCapabilityWink},
     {"cbor", ctaphid::kCapabilityCbor},
     {"nmsg", ctaphid::kCapabilityNoMsg}}};
constexpr int64_t kMaxResetWindowSeconds = 60;
constexpr uint64_t kMinMsgSize = 1024;  // CTAP 2.1 section 6.4: at least 1024 bytes

Error bad(const std::string& field, const std::string& why) {
  return Error::make(ErrorKind::kMalformed, "fido." + field + ": " + why);
}

template <size_t N>
bool known(const std::array<std::string_view, N>& set, const std::string& v) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

// An array of distinct strings, each in `set`.
template <size_t N>
Result<std::vector<std::string>> string_list(const nlohmann::json& j, const std::string& field,
                                             const std::array<std::string_view, N>& set, bool may_be_empty) {
  if (!j.is_array()) return bad(field, "must be an array of strings");
  std::vector<std::string> out;
  for (const auto& v : j) {
    if (!v.is_string()) return bad(field, "must be an array of strings");
    const std::string s = v.get<std::string>();
    if (!known(set, s)) return bad(field, "\"" + s + "\" is not supported by keydesk-sim");
    if (std::find(out.begin(), out.end(), s) != out.end()) return bad(field, "\"" + s + "\" is listed twice");
    out.push_back(s);
  }
  if (out.empty() && !may_be_empty) return bad(field, "must not be empty");
  return out;
}

Result<uint64_t> bounded(const nlohmann::json& j, const std::string& field, uint64_t min, uint64_t max) {
  // A non-negative integer (nlohmann keeps some as signed); a float or a negative number is refused.
  if (!j.is_number_integer() || j.get<int64_t>() < 0 || j.get<uint64_t>() < min || j.get<uint64_t>() > max)
    return bad(field, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  return j.get<uint64_t>();
}
}  // namespace

bool DeviceProfile::speaks_u2f() const {
  return std::find(versions.begin(), versions.end(), "U2F_V2") != versions.end();
}

bool DeviceProfile::has_extension(std::string_view name) const {
  return std::find(extensions.begin(), extensions.end(), name) != extensions.end();
}

bool DeviceProfile::has_option(std::string_view name) const {
  return std::any_of(options.begin(), options.end(),
                     [&](const auto& o) { return o.first == name && o.second; });
}

Result<DeviceProfile> DeviceProfile::parse(const nlohmann::json& j) {
  DeviceProfile p;
  if (j.contains("versions")) {
    auto v = string_list(j["versions"], "versions", kKnownVersions, false);
    if (!v) return v.error();
    p.versions = std::move(v).value();
    // Every profile is a CTAP2 authenticator (CBOR over both transports); U2F is in addition.
    if (std::find(p.versions.begin(), p.versions.end(), "FIDO_2_0") == p.versions.end())
      return bad("versions", "must list FIDO_2_0 (keydesk-sim is always a CTAP2 authenticator)");
  }
  if (j.contains("extensions")) {
    auto v = string_list(j["extensions"], "extensions", kKnownExtensions, true);
    if (!v) return v.error();
    p.extensions = std::move(v).value();
  }
  if (j.contains("transports")) {
    auto v = string_list(j["transports"], "transports", kKnownTransports, false);
    if (!v) return v.error();
    p.transports = std::move(v).value();
  }
  if (j.contains("algorithms")) {
    const auto& a = j["algorithms"];
    if (!a.is_array() || a.empty())
      return bad("algorithms", "must be a non-empty array of COSE algorithm numbers");
    p.algorithms.clear();
    for (const auto& v : a) {
      if (!v.is_number_integer())
        return bad("algorithms", "must be a non-empty array of COSE algorithm numbers");
      const int64_t alg = v.get<int64_t>();
      if (alg != kCoseAlgEs256 && alg != kCoseAlgEdDsa)
        return bad("algorithms", std::to_string(alg) + " is not supported (ES256 -7 and EdDSA -8 are)");
      if (std::find(p.algorithms.begin(), p.algorithms.end(), alg) != p.algorithms.end())
        return bad("algorithms", std::to_string(alg) + " is listed twice");
      p.algorithms.push_back(alg);
    }
  }
  if (j.contains("options")) {
    const auto& o = j["options"];
    if (!o.is_object()) return bad("options", "must be an object of booleans");
    p.options.clear();
    for (auto item = o.begin(); item != o.end(); ++item) {
      // Named copies, not structured bindings: a lambda below captures the name.
      const std::string name = item.key();
      const nlohmann::json& value = item.value();
      const auto known_option = std::find_if(kKnownOptions.begin(), kKnownOptions.end(),
                                             [&](const auto& k) { return k.first == name; });
      if (known_option == kKnownOptions.end())
        return bad(
            "options",
            "\"" + name +
                "\" is not an option keydesk-sim can state (clientPin and ep follow the token's state)");
      if (!value.is_boolean() || value.get<bool>() != known_option->second)
        return bad("options." + name,
                   std::string("keydesk-sim can only state ") + (known_option->second ? "true" : "false"));
      p.options.emplace_back(name, value.get<bool>());
    }
    if (!p.has_option("rk") || !p.has_option("up"))
      return bad("options",
                 "rk and up must be true (the authenticator stores credentials and tests presence)");
    if (!p.has_option("credMgmt") && !p.has_option("credentialMgmtPreview"))
      return bad("options",
                 "credMgmt or credentialMgmtPreview must be true (credential management is always served)");
  }
  if (j.contains("max_msg_size")) {
    auto v = bounded(j["max_msg_size"], "max_msg_size", kMinMsgSize, 7609);
    if (!v) return v.error();
    p.max_msg_size = *v;
  }
  if (j.contains("max_credential_count_in_list")) {
    auto v = bounded(j["max_credential_count_in_list"], "max_credential_count_in_list", 1, 64);
    if (!v) return v.error();
    p.max_credential_count_in_list = *v;
  }
  if (j.contains("max_credential_id_length")) {
    // Clients drop allowList entries longer than this, so it must cover the IDs this token issues.
    auto v = bounded(j["max_credential_id_length"], "max_credential_id_length",
                     CredentialStore::kCredentialIdSize, 1023);
    if (!v) return v.error();
    p.max_credential_id_length = *v;
  }
  if (j.contains("reset_window_seconds")) {
    auto v = bounded(j["reset_window_seconds"], "reset_window_seconds", 1, kMaxResetWindowSeconds);
    if (!v) return v.error();
    p.reset_window = std::chrono::seconds(*v);
  }
  if (j.contains("ctaphid_capabilities")) {
    const auto& c = j["ctaphid_capabilities"];
    if (!c.is_array()) return bad("ctaphid_capabilities", "must be an array of \"wink\", \"cbor\", \"nmsg\"");
    p.ctaphid_capabilities = 0;
    for (const auto& v : c) {
      const auto flag = std::find_if(kCapabilityNames.begin(), kCapabilityNames.end(), [&](const auto& k) {
        return v.is_string() && k.first == v.get<std::string>();
      });
      if (flag == kCapabilityNames.end())
        return bad("ctaphid_capabilities", "must be an array of \"wink\", \"cbor\", \"nmsg\"");
      if (p.ctaphid_capabilities & flag->second)
        return bad("ctaphid_capabilities", "\"" + std::string(flag->first) + "\" is listed twice");
      p.ctaphid_capabilities |= flag->second;
    }
  }
  if (!(p.ctaphid_capabilities & ctaphid::kCapabilityCbor))
    return bad("ctaphid_capabilities", "must include \"cbor\" (keydesk-sim is always a CTAP2 authenticator)");
  // NMSG means "CTAPHID_MSG is not implemented" (CTAP 2.1 section 11.2.9.1.3): set exactly when U2F is off.
  const bool nmsg = (p.ctaphid_capabilities & ctaphid::kCapabilityNoMsg) != 0;
  if (nmsg == p.speaks_u2f())
    return bad("ctaphid_capabilities", p.speaks_u2f() ? "\"nmsg\" contradicts U2F_V2 in versions"
                                                      : "needs \"nmsg\" without U2F_V2 in versions");
  return p;
}

void DeviceProfile::save(nlohmann::json& j) const {
  j["versions"] = versions;
  j["extensions"] = extensions;
  j["algorithms"] = algorithms;
  j["transports"] = transports;
  nlohmann::json o = nlohmann::json::object();
  for (const auto& [name, value] : options) o[name] = value;
  j["options"] = std::move(o);
  j["max_msg_size"] = max_msg_size;
  j["max_credential_count_in_list"] = max_credential_count_in_list;
  j["max_credential_id_length"] = max_credential_id_length;
  j["reset_window_seconds"] = static_cast<uint64_t>(reset_window.count());
  nlohmann::json caps = nlohmann::json::array();
  for (const auto& [name, bit] : kCapabilityNames)
    if (ctaphid_capabilities & bit) caps.push_back(name);
  j["ctaphid_capabilities"] = std::move(caps);
}

}  // namespace keydesk::card::fido
