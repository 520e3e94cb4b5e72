// authenticatorMakeCredential (CTAP 2.1 section 6.1) with ES256 or EdDSA keys, the credProtect and
// hmac-secret extensions (sections 12.1, 12.5) and packed batch attestation.
#include <algorithm>

#include "card/fido/authenticator.h"
#include "card/fido/cose.h"
#include "card/fido/params.h"

namespace keydesk::card::fido {
namespace {
enum Key : int64_t {
  kClientDataHash = 1,
  kRp = 2,
  kUser = 3,
  kPubKeyCredParams = 4,
  kExcludeList = 5,
  kExtensions = 6,
  kOptions = 7,
  kPinUvAuthParam = 8,
  kPinUvAuthProtocol = 9,
  kEnterpriseAttestation = 10,
};
constexpr size_t kClientDataHashSize = 32;
constexpr size_t kMaxUserIdSize = 64;

const std::string* text_member(const cbor::Value& map, std::string_view name, Params& params) {
  const cbor::Value* v = map.find(name);
  if (!v) return nullptr;
  if (!v->is_text()) {
    params.fail(CtapStatus::kCborUnexpectedType);
    return nullptr;
  }
  return &v->as_text();
}

// The first entry of pubKeyCredParams (the RP's order of preference) with type "public-key" and an
// algorithm the profile offers (CTAP 2.1 6.1.2 step 3); nullopt when none. Malformed entries are errors.
std::optional<int64_t> choose_algorithm(const cbor::Array& algorithms, const std::vector<int64_t>& offered,
                                        Params& params) {
  std::optional<int64_t> chosen;
  for (const auto& entry : algorithms) {
    if (!entry.is_map()) {
      params.fail(CtapStatus::kCborUnexpectedType);
      return std::nullopt;
    }
    const cbor::Value* alg = entry.find("alg");
    const std::string* type = text_member(entry, "type", params);
    if (!alg || !type) {
      params.fail(CtapStatus::kMissingParameter);
      return std::nullopt;
    }
    if (!alg->is_integer()) {
      params.fail(CtapStatus::kCborUnexpectedType);
      return std::nullopt;
    }
    if (!chosen && *type == "public-key" &&
        std::find(offered.begin(), offered.end(), alg->as_integer()) != offered.end())
      chosen = alg->as_integer();
  }
  return chosen;
}

const cbor::Value* extension(const cbor::Map& extensions, std::string_view name) {
  for (const auto& [k, v] : extensions)
    if (k.is_text() && k.as_text() == name) return &v;
  return nullptr;
}
}  // namespace

Reply Authenticator::make_credential(const cbor::Value& request) {
  Params params(request);
  const Bytes* client_data_hash = params.bytes(kClientDataHash, Need::kRequired);
  const cbor::Value* rp = params.map_value(kRp, Need::kRequired);
  const cbor::Value* user = params.map_value(kUser, Need::kRequired);
  const cbor::Array* algorithms = params.array(kPubKeyCredParams, Need::kRequired);
  const cbor::Array* exclude_list = params.array(kExcludeList, Need::kOptional);
  const cbor::Map* extensions = params.map(kExtensions, Need::kOptional);
  const cbor::Map* options = params.map(kOptions, Need::kOptional);
  const Bytes* pin_auth = params.bytes(kPinUvAuthParam, Need::kOptional);
  const auto protocol = params.uint(kPinUvAuthProtocol, Need::kOptional);
  const auto enterprise = params.uint(kEnterpriseAttestation, Need::kOptional);
  if (params.status() != CtapStatus::kOk) return params.status();

  const std::string* rp_id = text_member(*rp, "id", params);
  const std::string* rp_name = text_member(*rp, "name", params);
  const cbor::Value* user_id = user->find("id");
  const std::string* user_name = text_member(*user, "name", params);
  const std::string* display_name = text_member(*user, "displayName", params);
  if (params.status() != CtapStatus::kOk) return params.status();
  if (!rp_id || !user_id) return CtapStatus::kMissingParameter;
  if (!user_id->is_bytes()) return CtapStatus::kCborUnexpectedType;
  if (user_id->as_bytes().size() > kMaxUserIdSize || client_data_hash->size() != kClientDataHashSize)
    return CtapStatus::kInvalidLength;
  const auto algorithm = choose_algorithm(*algorithms, profile_.algorithms, params);
  std::optional<bool> rk, up, uv_option;
  if (options) {
    rk = option(*options, "rk", params);
    up = option(*options, "up", params);
    uv_option = option(*options, "uv", params);
  }
  if (params.status() != CtapStatus::kOk) return params.status();
  if (!algorithm) return CtapStatus::kUnsupportedAlgorithm;
  CredentialProperties properties{*algorithm};
  bool hmac_secret_requested = false;
  if (CtapStatus s = read_make_credential_extensions(extensions, properties, hmac_secret_requested);
      s != CtapStatus::kOk)
    return s;

  bool uv = false;
  if (CtapStatus s =
          check_pin_uv_auth(pin_auth, protocol, *client_data_hash, kPermMakeCredential, *rp_id, uv);
      s != CtapStatus::kOk)
    return s;
  if (up == false) return CtapStatus::kInvalidOption;                // makeCredential always tests presence
  if (uv_option == true && !uv) return CtapStatus::kInvalidOption;   // no built-in user verification
  if (!pin_auth && pin_.is_set()) return CtapStatus::kPuatRequired;  // makeCredUvNotRqd is not offered
  bool enterprise_attestation = false;
  if (enterprise) {
    if (!ep_enabled_ || (*enterprise != 1 && *enterprise != 2)) return CtapStatus::kInvalidParameter;
    enterprise_attestation = true;
  }

  const Bytes rp_id_hash = sha256(bytes_of(*rp_id));
  if (exclude_list) {
    for (const auto& descriptor : *exclude_list) {
      const cbor::Value* id = descriptor.is_map() ? descriptor.find("id") : nullptr;
      if (!id || !id->is_bytes()) return CtapStatus::kCborUnexpectedType;
      const auto excluded = credentials_.properties_of(id->as_bytes(), rp_id_hash);
      // A userVerificationRequired credential is not revealed to a request without UV (CTAP 2.1 6.1.2
      // step 11): it is treated as absent.
      if (excluded && !(excluded->cred_protect == 3 && !uv)) {
        if (!context_.presence.request()) return CtapStatus::kOperationDenied;
        return CtapStatus::kCredentialExcluded;
      }
    }
  }
  const bool discoverable = rk.value_or(false);
  if (!context_.presence.request()) return CtapStatus::kOperationDenied;

  const Bytes credential_id = credentials_.new_credential_id(rp_id_hash, properties);
  if (discoverable) {
    DiscoverableCredential stored{credential_id,
                                  *rp_id,
                                  rp_name ? *rp_name : std::string(),
                                  {user_id->as_bytes(), user_name ? *user_name : std::string(),
                                   display_name ? *display_name : std::string()}};
    if (!credentials_.store(std::move(stored))) return CtapStatus::kKeyStoreFull;
  }

  // Extension outputs (authData, WebAuthn 6.1): what was applied, only for extensions that were asked.
  cbor::Map outputs;
  if (extensions && profile_.has_extension("credProtect") && extension(*extensions, "credProtect"))
    outputs.emplace_back("credProtect", uint64_t{properties.cred_protect});
  if (hmac_secret_requested) outputs.emplace_back("hmac-secret", true);

  Bytes auth_data = rp_id_hash;
  auth_data.push_back(static_cast<uint8_t>(kFlagUserPresent | (uv ? kFlagUserVerified : 0) |
                                           kFlagAttestedData | (outputs.empty() ? 0 : kFlagExtensionData)));
  append_be32(auth_data, credentials_.next_sign_count());
  append(auth_data, aaguid_);
  append_be16(auth_data, static_cast<uint16_t>(credential_id.size()));
  append(auth_data, credential_id);
  append(auth_data, cbor::encode(credentials_.key_for(credential_id).cose_public_key()));
  if (!outputs.empty()) append(auth_data, cbor::encode(cbor::Value(std::move(outputs))));

  auto statement = attestation_.packed_statement(auth_data, *client_data_hash);
  if (!statement) return CtapStatus::kOther;
  cbor::Map response{{1, "packed"}, {2, std::move(auth_data)}, {3, std::move(statement).value()}};
  if (enterprise_attestation) response.emplace_back(4, true);
  return cbor::Value(std::move(response));
}

CtapStatus Authenticator::read_make_credential_extensions(const cbor::Map* extensions,
                                                          CredentialProperties& properties,
                                                          bool& hmac_secret_requested) const {
  hmac_secret_requested = false;
  if (!extensions) return CtapStatus::kOk;
  // Extensions the profile does not list are ignored, as an authenticator ignores unknown ones.
  if (profile_.has_extension("credProtect")) {
    if (const cbor::Value* level = extension(*extensions, "credProtect")) {
      if (!level->is_unsigned()) return CtapStatus::kCborUnexpectedType;
      // 1 userVerificationOptional, 2 ...OptionalWithCredentialIDList, 3 userVerificationRequired.
      if (level->as_unsigned() < 1 || level->as_unsigned() > 3) return CtapStatus::kInvalidParameter;
      properties.cred_protect = static_cast<uint8_t>(level->as_unsigned());
    }
  }
  if (profile_.has_extension("hmac-secret")) {
    if (const cbor::Value* wanted = extension(*extensions, "hmac-secret")) {
      if (!wanted->is_bool()) return CtapStatus::kCborUnexpectedType;
      hmac_secret_requested = wanted->as_bool();
      properties.hmac_secret = hmac_secret_requested;
    }
  }
  return CtapStatus::kOk;
}

}  // namespace keydesk::card::fido
