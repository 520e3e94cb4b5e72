// authenticatorMakeCredential (CTAP 2.1 section 6.1) with ES256 keys and packed batch attestation.
#include "fido/authenticator.h"
#include "fido/cose.h"
#include "fido/params.h"

namespace keydesk::fido {
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

// True when pubKeyCredParams offers {"alg": -7, "type": "public-key"}; malformed entries are errors.
bool offers_es256(const cbor::Array& algorithms, Params& params) {
  bool found = false;
  for (const auto& entry : algorithms) {
    if (!entry.is_map()) {
      params.fail(CtapStatus::kCborUnexpectedType);
      return false;
    }
    const cbor::Value* alg = entry.find("alg");
    const std::string* type = text_member(entry, "type", params);
    if (!alg || !type) {
      params.fail(CtapStatus::kMissingParameter);
      return false;
    }
    if (!alg->is_integer()) {
      params.fail(CtapStatus::kCborUnexpectedType);
      return false;
    }
    found = found || (*type == "public-key" && alg->as_integer() == kCoseAlgEs256);
  }
  return found;
}
}  // namespace

Reply Authenticator::make_credential(const cbor::Value& request) {
  Params params(request);
  const Bytes* client_data_hash = params.bytes(kClientDataHash, Need::kRequired);
  const cbor::Value* rp = params.map_value(kRp, Need::kRequired);
  const cbor::Value* user = params.map_value(kUser, Need::kRequired);
  const cbor::Array* algorithms = params.array(kPubKeyCredParams, Need::kRequired);
  const cbor::Array* exclude_list = params.array(kExcludeList, Need::kOptional);
  params.map(kExtensions, Need::kOptional);
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
  const bool es256 = offers_es256(*algorithms, params);
  std::optional<bool> rk, up, uv_option;
  if (options) {
    rk = option(*options, "rk", params);
    up = option(*options, "up", params);
    uv_option = option(*options, "uv", params);
  }
  if (params.status() != CtapStatus::kOk) return params.status();
  if (!es256) return CtapStatus::kUnsupportedAlgorithm;

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
      if (credentials_.owns(id->as_bytes(), rp_id_hash)) {
        if (!context_.presence.request()) return CtapStatus::kOperationDenied;
        return CtapStatus::kCredentialExcluded;
      }
    }
  }
  const bool discoverable = rk.value_or(false);
  if (!context_.presence.request()) return CtapStatus::kOperationDenied;

  const Bytes credential_id = credentials_.new_credential_id(rp_id_hash);
  if (discoverable) {
    DiscoverableCredential stored{credential_id,
                                  *rp_id,
                                  rp_name ? *rp_name : std::string(),
                                  {user_id->as_bytes(), user_name ? *user_name : std::string(),
                                   display_name ? *display_name : std::string()}};
    if (!credentials_.store(std::move(stored))) return CtapStatus::kKeyStoreFull;
  }

  Bytes auth_data = rp_id_hash;
  auth_data.push_back(
      static_cast<uint8_t>(kFlagUserPresent | (uv ? kFlagUserVerified : 0) | kFlagAttestedData));
  append_be32(auth_data, credentials_.next_sign_count());
  append(auth_data, aaguid_);
  append_be16(auth_data, static_cast<uint16_t>(credential_id.size()));
  append(auth_data, credential_id);
  append(auth_data,
         cbor::encode(cose_ec2_key(credentials_.key_for(credential_id).public_point(), kCoseAlgEs256)));

  auto statement = attestation_.packed_statement(auth_data, *client_data_hash);
  if (!statement) return CtapStatus::kOther;
  cbor::Map response{{1, "packed"}, {2, std::move(auth_data)}, {3, std::move(statement).value()}};
  if (enterprise_attestation) response.emplace_back(4, true);
  return cbor::Value(std::move(response));
}

}  // namespace keydesk::fido
