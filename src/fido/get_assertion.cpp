// authenticatorGetAssertion and authenticatorGetNextAssertion (CTAP 2.1 sections 6.2 and 6.3).
#include "fido/authenticator.h"
#include "fido/params.h"

namespace keydesk::fido {
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
}  // namespace

Reply Authenticator::get_assertion(const cbor::Value& request) {
  Params params(request);
  const std::string* rp_id = params.text(kRpId, Need::kRequired);
  const Bytes* client_data_hash = params.bytes(kClientDataHash, Need::kRequired);
  const cbor::Array* allow_list = params.array(kAllowList, Need::kOptional);
  params.map(kExtensions, Need::kOptional);
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

  const Bytes rp_id_hash = sha256(bytes_of(*rp_id));
  std::vector<Bytes> matches;
  if (allow_list && !allow_list->empty()) {
    for (const auto& descriptor : *allow_list) {
      const cbor::Value* id = descriptor.is_map() ? descriptor.find("id") : nullptr;
      if (!id || !id->is_bytes()) return CtapStatus::kCborUnexpectedType;
      if (matches.empty() && credentials_.owns(id->as_bytes(), rp_id_hash)) matches.push_back(id->as_bytes());
    }
  } else {
    for (const auto* c : credentials_.for_rp(*rp_id)) matches.push_back(c->id);
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
    pending_assertions_ = PendingAssertions{*rp_id,
                                            *client_data_hash,
                                            {matches.begin() + 1, matches.end()},
                                            uv,
                                            std::chrono::steady_clock::now() + kAssertionStateLifetime};
  }
  return assertion(*rp_id, first, *client_data_hash, uv, test_presence,
                   total > 1 ? std::optional<size_t>(total) : std::nullopt);
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
  return assertion(pending.rp_id, id, pending.client_data_hash, pending.uv, true, std::nullopt);
}

Reply Authenticator::assertion(const std::string& rp_id, ByteView credential_id, ByteView client_data_hash,
                               bool uv, bool up, std::optional<size_t> number_of_credentials) {
  Bytes auth_data = sha256(bytes_of(rp_id));
  auth_data.push_back(static_cast<uint8_t>((up ? kFlagUserPresent : 0) | (uv ? kFlagUserVerified : 0)));
  append_be32(auth_data, credentials_.next_sign_count());
  Bytes signed_data = auth_data;
  append(signed_data, client_data_hash);
  auto signature = credentials_.key_for(credential_id).sign_digest(sha256(signed_data));
  if (!signature) return CtapStatus::kOther;

  cbor::Map response{{kCredential, credential_descriptor(credential_id)},
                     {kAuthData, std::move(auth_data)},
                     {kSignature, std::move(signature).value()}};
  if (const DiscoverableCredential* stored = credentials_.find(credential_id))
    response.emplace_back(kUser, user_entity_cbor(stored->user, uv));  // names only after user verification
  if (number_of_credentials) response.emplace_back(kNumberOfCredentials, uint64_t{*number_of_credentials});
  return cbor::Value(std::move(response));
}

}  // namespace keydesk::fido
