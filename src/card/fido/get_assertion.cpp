// authenticatorGetAssertion and authenticatorGetNextAssertion (CTAP 2.1 sections 6.2 and 6.3), with
// credProtect enforcement (section 12.1) and the hmac-secret extension (section 12.5).
#include "card/fido/authenticator.h"
#include "card/fido/cose.h"
#include "card/fido/params.h"
#include "crypto/digest.h"

namespace keydesk::card::fido {
namespace {
enum Key : int64_t {
  kRpId = 1,
  kClientDataHash = 2,
  kAllowList = 3,
  kExtensions = 4,
  kOptions = 5,
  kPinUvAuthParam = 6,
  kPinUvAuthProtocol = 7,
};
enum ResponseKey : int64_t {
  kCredential = 1,
  kAuthData = 2,
  kSignature = 3,
  kUser = 4,
  kNumberOfCredentials = 5
};
constexpr size_t kClientDataHashSize = 32;
// hmac-secret getAssertion input keys (CTAP 2.1 section 12.5).
enum HmacSecretKey : int64_t { kKeyAgreement = 1, kSaltEnc = 2, kSaltAuth = 3, kHmacPinUvAuthProtocol = 4 };
constexpr size_t kSaltSize = 32;
constexpr uint8_t kUserVerificationOptionalWithCredentialIdList = 2, kUserVerificationRequired = 3;
}  // namespace

Reply Authenticator::get_assertion(const cbor::Value& request) {
  Params params(request);
  const std::string* rp_id = params.text(kRpId, Need::kRequired);
  const Bytes* client_data_hash = params.bytes(kClientDataHash, Need::kRequired);
  const cbor::Array* allow_list = params.array(kAllowList, Need::kOptional);
  const cbor::Map* extensions = params.map(kExtensions, Need::kOptional);
  const cbor::Map* options = params.map(kOptions, Need::kOptional);
  const Bytes* pin_auth = params.bytes(kPinUvAuthParam, Need::kOptional);
  const auto protocol = params.uint(kPinUvAuthProtocol, Need::kOptional);
  std::optional<bool> rk, up, uv_option;
  if (options) {
    rk = option(*options, "rk", params);
    up = option(*options, "up", params);
    uv_option = option(*options, "uv", params);
  }
  if (params.status() != CtapStatus::kOk) return params.status();
  if (client_data_hash->size() != kClientDataHashSize) return CtapStatus::kInvalidLength;
  if (rk) return CtapStatus::kUnsupportedOption;  // "rk" is not an option of getAssertion

  bool uv = false;
  if (CtapStatus s = check_pin_uv_auth(pin_auth, protocol, *client_data_hash, kPermGetAssertion, *rp_id, uv);
      s != CtapStatus::kOk)
    return s;
  if (uv_option == true && !uv) return CtapStatus::kInvalidOption;

  std::optional<HmacSecretInput> hmac_secret;
  if (extensions && profile_.has_extension("hmac-secret")) {
    for (const auto& [k, v] : *extensions)
      if (k.is_text() && k.as_text() == "hmac-secret") {
        if (CtapStatus s = read_hmac_secret_input(v, hmac_secret); s != CtapStatus::kOk) return s;
      }
  }

  const Bytes rp_id_hash = sha256(bytes_of(*rp_id));
  std::vector<Bytes> matches;
  if (allow_list && !allow_list->empty()) {
    for (const auto& descriptor : *allow_list) {
      const cbor::Value* id = descriptor.is_map() ? descriptor.find("id") : nullptr;
      if (!id || !id->is_bytes()) return CtapStatus::kCborUnexpectedType;
      if (!matches.empty()) continue;
      const auto properties = credentials_.properties_of(id->as_bytes(), rp_id_hash);
      if (properties && cred_protect_allows(*properties, true, uv)) matches.push_back(id->as_bytes());
    }
  } else {
    for (const auto* c : credentials_.for_rp(*rp_id))
      if (cred_protect_allows(credentials_.stored_properties(*c), false, uv)) matches.push_back(c->id);
  }
  const bool test_presence = up.value_or(true);
  if (matches.empty()) {
    // Spec step 10: presence is still collected before answering "no credentials".
    if (test_presence && !context_.presence.request()) return CtapStatus::kOperationDenied;
    return CtapStatus::kNoCredentials;
  }
  if (test_presence && !context_.presence.request()) return CtapStatus::kOperationDenied;

  const size_t total = matches.size();
  const Bytes first = matches.front();
  if (total > 1) {
    pending_assertions_ = PendingAssertions{
        *rp_id, *client_data_hash, {matches.begin() + 1, matches.end()},
        uv,     hmac_secret,       std::chrono::steady_clock::now() + kAssertionStateLifetime};
  }
  return assertion(*rp_id, first, *client_data_hash, uv, test_presence,
                   total > 1 ? std::optional<size_t>(total) : std::nullopt,
                   hmac_secret ? &*hmac_secret : nullptr);
}

bool Authenticator::cred_protect_allows(const CredentialProperties& properties, bool from_allow_list,
                                        bool uv) const {
  if (uv) return true;
  if (properties.cred_protect == kUserVerificationRequired) return false;
  // Level 2: without UV only a caller that already knows the credential ID may use it.
  if (properties.cred_protect == kUserVerificationOptionalWithCredentialIdList) return from_allow_list;
  return true;
}

CtapStatus Authenticator::read_hmac_secret_input(const cbor::Value& input,
                                                 std::optional<HmacSecretInput>& out) {
  if (!input.is_map()) return CtapStatus::kCborUnexpectedType;
  Params params(input);
  const cbor::Value* key_agreement = params.map_value(kKeyAgreement, Need::kRequired);
  const Bytes* salt_enc = params.bytes(kSaltEnc, Need::kRequired);
  const Bytes* salt_auth = params.bytes(kSaltAuth, Need::kRequired);
  const auto protocol_number = params.uint(kHmacPinUvAuthProtocol, Need::kOptional);
  if (params.status() != CtapStatus::kOk) return params.status();
  // Without key 4 the platform speaks CTAP 2.0, which only had protocol one.
  const auto protocol = pin_protocol_from(protocol_number.value_or(1));
  if (!protocol) return CtapStatus::kInvalidParameter;
  const auto peer_point = point_from_cose(*key_agreement);
  if (!peer_point) return CtapStatus::kInvalidParameter;
  auto shared = shared_secret(*protocol, pin_.key_agreement(), *peer_point);
  if (!shared) return CtapStatus::kInvalidParameter;
  HmacSecretInput checked{*protocol, std::move(shared).value(), {}};
  if (!pin_verify(*protocol, checked.shared_secret, *salt_enc, *salt_auth))
    return CtapStatus::kPinAuthInvalid;
  auto salts = pin_decrypt(*protocol, checked.shared_secret, *salt_enc);
  if (!salts) return CtapStatus::kInvalidParameter;
  checked.salts = std::move(salts).value();
  if (checked.salts.size() != kSaltSize && checked.salts.size() != 2 * kSaltSize)
    return CtapStatus::kInvalidLength;
  out = std::move(checked);
  return CtapStatus::kOk;
}

std::optional<cbor::Map> Authenticator::assertion_extensions(ByteView credential_id,
                                                             const HmacSecretInput* hmac, bool uv) {
  if (!hmac) return std::nullopt;
  const auto properties = CredentialStore::properties_of_id(credential_id);
  if (!properties || !properties->hmac_secret) return std::nullopt;  // created without hmac-secret
  // output = HMAC-SHA-256(CredRandom, salt) per salt; CredRandomWithUV and ...WithoutUV differ.
  Bytes cred_random = credentials_.cred_random(credential_id, uv);
  Bytes outputs;
  for (size_t offset = 0; offset < hmac->salts.size(); offset += kSaltSize)
    append(outputs, crypto::hmac(crypto::HashAlg::kSha256, cred_random,
                                 ByteView(hmac->salts).subspan(offset, kSaltSize)));
  wipe(cred_random);
  auto encrypted = pin_encrypt(hmac->protocol, hmac->shared_secret, outputs);
  wipe(outputs);
  if (!encrypted) return std::nullopt;
  return cbor::Map{{"hmac-secret", std::move(encrypted).value()}};
}

Reply Authenticator::get_next_assertion() {
  if (!pending_assertions_ || pending_assertions_->credential_ids.empty() ||
      std::chrono::steady_clock::now() > pending_assertions_->expires) {
    pending_assertions_.reset();
    return CtapStatus::kNotAllowed;
  }
  PendingAssertions& pending = *pending_assertions_;
  const Bytes id = pending.credential_ids.front();
  pending.credential_ids.erase(pending.credential_ids.begin());
  // Presence was collected by getAssertion for the whole batch (CTAP 2.1 6.3).
  return assertion(pending.rp_id, id, pending.client_data_hash, pending.uv, true, std::nullopt,
                   pending.hmac_secret ? &*pending.hmac_secret : nullptr);
}

Reply Authenticator::assertion(const std::string& rp_id, ByteView credential_id, ByteView client_data_hash,
                               bool uv, bool up, std::optional<size_t> number_of_credentials,
                               const HmacSecretInput* hmac_secret) {
  const auto outputs = assertion_extensions(credential_id, hmac_secret, uv);
  Bytes auth_data = sha256(bytes_of(rp_id));
  auth_data.push_back(static_cast<uint8_t>((up ? kFlagUserPresent : 0) | (uv ? kFlagUserVerified : 0) |
                                           (outputs ? kFlagExtensionData : 0)));
  append_be32(auth_data, credentials_.next_sign_count());
  if (outputs) append(auth_data, cbor::encode(cbor::Value(*outputs)));
  Bytes signed_data = auth_data;
  append(signed_data, client_data_hash);
  auto signature = credentials_.key_for(credential_id).sign(signed_data);
  if (!signature) return CtapStatus::kOther;

  cbor::Map response{{kCredential, credential_descriptor(credential_id)},
                     {kAuthData, std::move(auth_data)},
                     {kSignature, std::move(signature).value()}};
  if (const DiscoverableCredential* stored = credentials_.find(credential_id))
    response.emplace_back(kUser, user_entity_cbor(stored->user, uv));  // names only after user verification
  if (number_of_credentials) response.emplace_back(kNumberOfCredentials, uint64_t{*number_of_credentials});
  return cbor::Value(std::move(response));
}

}  // namespace keydesk::card::fido
