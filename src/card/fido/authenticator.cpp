#include "card/fido/authenticator.h"

#include <cstdio>

#include "crypto/digest.h"
#include "crypto/random.h"

namespace keydesk::card::fido {
namespace {
constexpr size_t kAaguidSize = 16;

bool is_credential_management(CtapCommand c) {
  return c == CtapCommand::kCredentialManagement || c == CtapCommand::kCredentialManagementPreview;
}

bool is_known(CtapCommand c) {
  switch (c) {
    case CtapCommand::kMakeCredential:
    case CtapCommand::kGetAssertion:
    case CtapCommand::kGetInfo:
    case CtapCommand::kClientPin:
    case CtapCommand::kReset:
    case CtapCommand::kGetNextAssertion:
    case CtapCommand::kCredentialManagement:
    case CtapCommand::kSelection:
    case CtapCommand::kCredentialManagementPreview:
      return true;
  }
  return false;
}

// "5.4.3" -> 0x050403, the way YubiKeys report firmwareVersion.
std::optional<uint32_t> parse_firmware(const nlohmann::json& v) {
  if (v.is_number_unsigned()) return v.get<uint32_t>();
  unsigned a = 0, b = 0, c = 0;
  if (!v.is_string() || std::sscanf(v.get<std::string>().c_str(), "%u.%u.%u", &a, &b, &c) != 3 || a > 255 ||
      b > 255 || c > 255)
    return std::nullopt;
  return (a << 16) | (b << 8) | c;
}
}  // namespace

Bytes sha256(ByteView data) {
  return crypto::hash(crypto::HashAlg::kSha256, data);
}

cbor::Value user_entity_cbor(const UserEntity& user, bool with_names) {
  cbor::Map m{{"id", cbor::Value(user.id)}};
  if (with_names && !user.name.empty()) m.emplace_back("name", user.name);
  if (with_names && !user.display_name.empty()) m.emplace_back("displayName", user.display_name);
  return m;
}

cbor::Value credential_descriptor(ByteView id) {
  return cbor::Map{{"id", cbor::Value::bytes(id)}, {"type", "public-key"}};
}

Bytes Authenticator::handle(ByteView request) {
  if (request.empty()) return {static_cast<uint8_t>(CtapStatus::kInvalidLength)};
  const auto command = static_cast<CtapCommand>(request[0]);
  if (!is_known(command)) return {static_cast<uint8_t>(CtapStatus::kInvalidCommand)};
  cbor::Value params{cbor::Map{}};
  if (request.size() > 1) {
    if (cbor::DecodeStatus s = cbor::decode(request.subspan(1), params); s != cbor::DecodeStatus::kOk)
      return {static_cast<uint8_t>(s == cbor::DecodeStatus::kLimitExceeded ? CtapStatus::kLimitExceeded
                                                                           : CtapStatus::kInvalidCbor)};
    if (!params.is_map()) return {static_cast<uint8_t>(CtapStatus::kCborUnexpectedType)};
  }
  if (command != CtapCommand::kGetNextAssertion) pending_assertions_.reset();
  if (!is_credential_management(command)) enumeration_.reset();

  const Reply reply = dispatch(command, params);
  Bytes out{static_cast<uint8_t>(reply.status)};
  if (reply.status == CtapStatus::kOk && reply.body) append(out, cbor::encode(*reply.body));
  return out;
}

Reply Authenticator::dispatch(CtapCommand command, const cbor::Value& params) {
  switch (command) {
    case CtapCommand::kMakeCredential:
      return make_credential(params);
    case CtapCommand::kGetAssertion:
      return get_assertion(params);
    case CtapCommand::kGetInfo:
      return get_info();
    case CtapCommand::kClientPin:
      return client_pin(params);
    case CtapCommand::kReset:
      return reset();
    case CtapCommand::kGetNextAssertion:
      return get_next_assertion();
    case CtapCommand::kCredentialManagement:
    case CtapCommand::kCredentialManagementPreview:
      return credential_management(params);
    case CtapCommand::kSelection:
      return selection();
  }
  return CtapStatus::kInvalidCommand;
}

CtapStatus Authenticator::check_pin_uv_auth(const Bytes* param, std::optional<uint64_t> protocol,
                                            ByteView client_data_hash, uint8_t permission,
                                            std::string_view rp_id, bool& uv) {
  uv = false;
  if (param && param->empty()) {
    // Touch probe (libfido2 fido_dev_get_touch_begin): wait for presence, then say whether a PIN exists.
    if (!context_.presence.request()) return CtapStatus::kOperationDenied;
    return pin_.is_set() ? CtapStatus::kPinInvalid : CtapStatus::kPinNotSet;
  }
  if (!param) return CtapStatus::kOk;
  if (!protocol) return CtapStatus::kMissingParameter;
  const auto p = pin_protocol_from(*protocol);
  if (!p) return CtapStatus::kInvalidParameter;
  if (!pin_.verify_token(*p, client_data_hash, *param, permission, rp_id)) return CtapStatus::kPinAuthInvalid;
  uv = true;
  return CtapStatus::kOk;
}

void Authenticator::reset_volatile() {
  link_ = Link::kNone;
  pin_.reset_volatile();
  pending_assertions_.reset();
  enumeration_.reset();
}

nlohmann::json Authenticator::save() const {
  nlohmann::json j{{"aaguid", to_hex(aaguid_)},
                   {"firmware_version", firmware_version_},
                   {"enterprise_attestation", ep_capable_},
                   {"enterprise_attestation_enabled", ep_enabled_},
                   {"pin", pin_.save()},
                   {"credentials", credentials_.save()},
                   {"attestation", attestation_.save()}};
  profile_.save(j);
  return j;
}

Status Authenticator::load(const nlohmann::json& j) {
  try {
    auto profile = DeviceProfile::parse(j);
    if (!profile) return profile.error();
    profile_ = std::move(profile).value();
    if (j.contains("aaguid")) {
      auto aaguid = from_hex(j["aaguid"].get<std::string>());
      if (!aaguid || aaguid->size() != kAaguidSize) return Error::make(ErrorKind::kMalformed, "fido.aaguid");
      aaguid_ = *aaguid;
    } else {
      aaguid_ = crypto::random_bytes(kAaguidSize);
    }
    const auto firmware = parse_firmware(j.value("firmware_version", nlohmann::json("5.4.3")));
    if (!firmware) return Error::make(ErrorKind::kMalformed, "fido.firmware_version");
    firmware_version_ = *firmware;
    ep_capable_ = j.value("enterprise_attestation", false);
    ep_enabled_ = ep_capable_ && j.value("enterprise_attestation_enabled", ep_capable_);
    KD_TRY(pin_.load(j.value("pin", nlohmann::json::object())));
    KD_TRY(credentials_.load(j.value("credentials", nlohmann::json::object())));
    KD_TRY(attestation_.load(j.value("attestation", nlohmann::json::object()), aaguid_));
  } catch (const nlohmann::json::exception& e) {
    return Error::make(ErrorKind::kMalformed, std::string("fido section: ") + e.what());
  }
  reset_volatile();
  return {};
}

}  // namespace keydesk::card::fido
