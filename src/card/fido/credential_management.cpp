// authenticatorCredentialManagement (CTAP 2.1 section 6.8), also reachable as the 2.1-PRE command 0x41
// that libfido2 1.12 always sends.
#include <algorithm>

#include "card/fido/authenticator.h"
#include "card/fido/cose.h"
#include "card/fido/params.h"

namespace keydesk::card::fido {
namespace {
enum Key : int64_t { kSubCommand = 1, kSubCommandParams = 2, kPinUvAuthProtocol = 3, kPinUvAuthParam = 4 };
enum SubCommand : uint64_t {
  kGetCredsMetadata = 1,
  kEnumerateRpsBegin = 2,
  kEnumerateRpsGetNext = 3,
  kEnumerateCredentialsBegin = 4,
  kEnumerateCredentialsGetNext = 5,
  kDeleteCredential = 6,
  kUpdateUserInformation = 7,
};
enum ParamKey : int64_t { kParamRpIdHash = 1, kParamCredentialId = 2, kParamUser = 3 };
enum ResponseKey : int64_t {
  kExistingCount = 1,
  kRemainingCount = 2,
  kRp = 3,
  kRpIdHash = 4,
  kTotalRps = 5,
  kUser = 6,
  kCredentialId = 7,
  kPublicKey = 8,
  kTotalCredentials = 9,
  kCredProtect = 10,
};

// The "id" of a PublicKeyCredentialDescriptor parameter.
const Bytes* descriptor_id(Params& params) {
  const cbor::Value* descriptor = params.map_value(kParamCredentialId, Need::kRequired);
  if (!descriptor) return nullptr;
  const cbor::Value* id = descriptor->find("id");
  if (!id) {
    params.fail(CtapStatus::kMissingParameter);
    return nullptr;
  }
  if (!id->is_bytes()) {
    params.fail(CtapStatus::kCborUnexpectedType);
    return nullptr;
  }
  return &id->as_bytes();
}
}  // namespace

Reply Authenticator::credential_management(const cbor::Value& request) {
  Params params(request);
  const auto sub = params.uint(kSubCommand, Need::kRequired);
  const cbor::Value* sub_params = params.map_value(kSubCommandParams, Need::kOptional);
  const auto protocol_number = params.uint(kPinUvAuthProtocol, Need::kOptional);
  const Bytes* pin_auth = params.bytes(kPinUvAuthParam, Need::kOptional);
  if (params.status() != CtapStatus::kOk) {
    enumeration_.reset();
    return params.status();
  }

  // The GetNext subcommands continue an enumeration and carry no pinUvAuthParam.
  if (*sub == kEnumerateRpsGetNext || *sub == kEnumerateCredentialsGetNext) {
    const bool wants_credentials = *sub == kEnumerateCredentialsGetNext;
    if (!enumeration_ || enumeration_->of_credentials != wants_credentials || enumeration_->items.empty()) {
      enumeration_.reset();
      return CtapStatus::kNotAllowed;
    }
    return wants_credentials ? next_credential(std::nullopt) : next_rp(std::nullopt);
  }
  enumeration_.reset();
  if (*sub < kGetCredsMetadata || *sub > kUpdateUserInformation) return CtapStatus::kInvalidSubcommand;

  if (!pin_auth) return CtapStatus::kPuatRequired;
  if (!protocol_number) return CtapStatus::kMissingParameter;
  const auto protocol = pin_protocol_from(*protocol_number);
  if (!protocol) return CtapStatus::kInvalidParameter;
  // The token authenticates subCommand || subCommandParams as encoded (clients send canonical CBOR,
  // so re-encoding the decoded map reproduces their bytes).
  Bytes message{static_cast<uint8_t>(*sub)};
  if (sub_params) append(message, cbor::encode(*sub_params));
  if (!pin_.verify_token(*protocol, message, *pin_auth, kPermCredentialManagement, std::nullopt))
    return CtapStatus::kPinAuthInvalid;

  static const cbor::Value kNoParams{cbor::Map{}};
  Params inner(sub_params ? *sub_params : kNoParams);
  switch (*sub) {
    case kGetCredsMetadata:
      if (pin_.token_bound_to_rp()) return CtapStatus::kPinAuthInvalid;
      return cbor::Value(cbor::Map{{kExistingCount, uint64_t{credentials_.discoverable().size()}},
                                   {kRemainingCount, uint64_t{credentials_.remaining()}}});
    case kEnumerateRpsBegin: {
      if (pin_.token_bound_to_rp()) return CtapStatus::kPinAuthInvalid;
      Enumeration rps;
      for (const auto& c : credentials_.discoverable()) {
        const Bytes rp = bytes_of(c.rp_id);
        if (std::find(rps.items.begin(), rps.items.end(), rp) == rps.items.end()) rps.items.push_back(rp);
      }
      if (rps.items.empty()) return CtapStatus::kNoCredentials;
      const size_t total = rps.items.size();
      enumeration_ = std::move(rps);
      return next_rp(total);
    }
    case kEnumerateCredentialsBegin: {
      const Bytes* rp_id_hash = inner.bytes(kParamRpIdHash, Need::kRequired);
      if (!sub_params) return CtapStatus::kMissingParameter;
      if (inner.status() != CtapStatus::kOk) return inner.status();
      if (pin_.token_rp_id() && sha256(bytes_of(*pin_.token_rp_id())) != *rp_id_hash)
        return CtapStatus::kPinAuthInvalid;
      Enumeration creds{{}, true};
      for (const auto& c : credentials_.discoverable())
        if (sha256(bytes_of(c.rp_id)) == *rp_id_hash) creds.items.push_back(c.id);
      if (creds.items.empty()) return CtapStatus::kNoCredentials;
      const size_t total = creds.items.size();
      enumeration_ = std::move(creds);
      return next_credential(total);
    }
    case kDeleteCredential: {
      if (!sub_params) return CtapStatus::kMissingParameter;
      const Bytes* id = descriptor_id(inner);
      if (inner.status() != CtapStatus::kOk) return inner.status();
      return credentials_.remove(*id) ? Reply(CtapStatus::kOk) : Reply(CtapStatus::kNoCredentials);
    }
    default: {  // kUpdateUserInformation
      if (!sub_params) return CtapStatus::kMissingParameter;
      const Bytes* id = descriptor_id(inner);
      const cbor::Value* user = inner.map_value(kParamUser, Need::kRequired);
      if (inner.status() != CtapStatus::kOk) return inner.status();
      const DiscoverableCredential* stored = credentials_.find(*id);
      if (!stored) return CtapStatus::kNoCredentials;
      const cbor::Value* user_id = user->find("id");
      if (!user_id || !user_id->is_bytes() || user_id->as_bytes() != stored->user.id)
        return CtapStatus::kInvalidParameter;
      UserEntity updated{stored->user.id, {}, {}};
      if (const cbor::Value* n = user->find("name"); n && n->is_text()) updated.name = n->as_text();
      if (const cbor::Value* d = user->find("displayName"); d && d->is_text())
        updated.display_name = d->as_text();
      credentials_.update_user(*id, updated);
      return CtapStatus::kOk;
    }
  }
}

Reply Authenticator::next_rp(std::optional<size_t> total) {
  const std::string rp_id = string_of(enumeration_->items.front());
  enumeration_->items.erase(enumeration_->items.begin());
  cbor::Map rp{{"id", rp_id}};
  const auto stored = credentials_.for_rp(rp_id);
  if (!stored.empty() && !stored.front()->rp_name.empty()) rp.emplace_back("name", stored.front()->rp_name);
  cbor::Map m{{kRp, std::move(rp)}, {kRpIdHash, sha256(bytes_of(rp_id))}};
  if (total) m.emplace_back(kTotalRps, uint64_t{*total});
  return cbor::Value(std::move(m));
}

Reply Authenticator::next_credential(std::optional<size_t> total) {
  const Bytes id = enumeration_->items.front();
  enumeration_->items.erase(enumeration_->items.begin());
  const DiscoverableCredential* stored = credentials_.find(id);
  cbor::Map m{{kUser, user_entity_cbor(stored->user, true)},
              {kCredentialId, credential_descriptor(id)},
              {kPublicKey, credentials_.key_for(id).cose_public_key()},
              {kCredProtect, uint64_t{credentials_.stored_properties(*stored).cred_protect}}};
  if (total) m.emplace_back(kTotalCredentials, uint64_t{*total});
  return cbor::Value(std::move(m));
}

}  // namespace keydesk::card::fido
