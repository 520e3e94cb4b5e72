// authenticatorClientPIN (CTAP 2.1 section 6.5.5).
#include "card/fido/authenticator.h"
#include "card/fido/cose.h"
#include "card/fido/params.h"

namespace keydesk::card::fido {
namespace {
enum Key : int64_t {
  kProtocol = 1,
  kSubCommand = protocol::ctap::kClientPinSubCommandKey,
  kKeyAgreement = 3,
  kPinUvAuthParam = 4,
  kNewPinEnc = 5,
  kPinHashEnc = 6,
  kPermissions = 9,
  kRpId = 10,
};
namespace wire = protocol::ctap;
enum SubCommand : uint64_t {
  kGetPinRetries = wire::kGetPinRetries,
  kGetKeyAgreement = wire::kGetKeyAgreement,
  kSetPin = wire::kSetPin,
  kChangePin = wire::kChangePin,
  kGetPinToken = wire::kGetPinToken,
  kGetTokenUsingUv = wire::kGetPinUvAuthTokenUsingUvWithPermissions,
  kGetUvRetries = wire::kGetUvRetries,
  kGetTokenUsingPin = wire::kGetPinUvAuthTokenUsingPinWithPermissions,
};
enum ResponseKey : int64_t { kRespKeyAgreement = 1, kRespToken = 2, kRespRetries = 3, kRespPowerCycle = 4 };
}  // namespace

Reply Authenticator::client_pin(const cbor::Value& request) {
  Params params(request);
  const auto sub = params.uint(kSubCommand, Need::kRequired);
  const auto protocol_number = params.uint(kProtocol, Need::kOptional);
  if (params.status() != CtapStatus::kOk) return params.status();

  if (*sub == kGetPinRetries)  // answered for any protocol number, even none (libfido2 always sends 1)
    return cbor::Value(
        cbor::Map{{kRespRetries, uint64_t{pin_.retries()}}, {kRespPowerCycle, pin_.power_cycle_required()}});
  if (*sub == kGetTokenUsingUv || *sub == kGetUvRetries) return CtapStatus::kInvalidSubcommand;  // PIN only
  if (*sub != kGetKeyAgreement && *sub != kSetPin && *sub != kChangePin && *sub != kGetPinToken &&
      *sub != kGetTokenUsingPin)
    return CtapStatus::kInvalidSubcommand;
  // A profile without the pinUvAuthToken option is a CTAP 2.1-PRE authenticator: no subcommand 0x09.
  if (*sub == kGetTokenUsingPin && !profile_.pin_uv_auth_token()) return CtapStatus::kInvalidSubcommand;

  if (!protocol_number) return CtapStatus::kMissingParameter;
  const auto protocol = pin_protocol_from(*protocol_number);
  if (!protocol) return CtapStatus::kInvalidParameter;
  if (*sub == kGetKeyAgreement)
    return cbor::Value(cbor::Map{
        {kRespKeyAgreement, cose_ec2_key(pin_.key_agreement().public_point(), kCoseAlgEcdhEsHkdf256)}});

  const cbor::Value* platform_key = params.map_value(kKeyAgreement, Need::kRequired);
  const Bytes* pin_auth = params.bytes(kPinUvAuthParam, Need::kOptional);
  const Bytes* new_pin_enc = params.bytes(kNewPinEnc, Need::kOptional);
  const Bytes* pin_hash_enc = params.bytes(kPinHashEnc, Need::kOptional);
  const auto permissions = params.uint(kPermissions, Need::kOptional);
  const std::string* rp_id = params.text(kRpId, Need::kOptional);
  if (params.status() != CtapStatus::kOk) return params.status();
  const bool changes_pin = *sub == kSetPin || *sub == kChangePin;
  if (changes_pin && (!pin_auth || !new_pin_enc)) return CtapStatus::kMissingParameter;
  if (*sub != kSetPin && !pin_hash_enc) return CtapStatus::kMissingParameter;
  if (*sub == kGetPinToken && (permissions || rp_id)) return CtapStatus::kInvalidParameter;
  if (*sub == kGetTokenUsingPin && permissions) {
    if (*permissions == 0) return CtapStatus::kInvalidParameter;
    const uint64_t unavailable = kPermBioEnrollment | kPermLargeBlobWrite | kPermAuthenticatorConfig;
    if (*permissions & unavailable) return CtapStatus::kUnauthorizedPermission;
  }

  // Without a PIN there is nothing to verify: answer before decapsulating or touching any counter.
  if (*sub == kSetPin) {
    if (pin_.is_set()) return CtapStatus::kPinAuthInvalid;
  } else if (CtapStatus s = pin_.precheck(); s != CtapStatus::kOk) {
    return s;
  }

  const auto peer_point = point_from_cose(*platform_key);
  if (!peer_point) return CtapStatus::kInvalidParameter;
  auto shared = shared_secret(*protocol, pin_.key_agreement(), *peer_point);
  if (!shared) return CtapStatus::kInvalidParameter;
  struct Wipe {
    Bytes& b;
    ~Wipe() { wipe(b); }
  } wipe_shared{*shared};

  if (changes_pin) {
    Bytes message = *new_pin_enc;
    if (*sub == kChangePin) append(message, *pin_hash_enc);
    if (!pin_verify(*protocol, *shared, message, *pin_auth)) return CtapStatus::kPinAuthInvalid;
  }
  if (*sub != kSetPin) {
    if (CtapStatus s = pin_.check_pin_hash(*protocol, *shared, *pin_hash_enc); s != CtapStatus::kOk) return s;
  }
  if (changes_pin) {
    const CtapStatus s = pin_.set_from_new_pin_enc(*protocol, *shared, *new_pin_enc);
    if (s == CtapStatus::kOk) pin_.invalidate_token();
    return s;
  }

  // getPinToken, or 0x09 without permissions (python-fido2 0.9.1 get_pin_token(pin) sends that): the
  // default permissions of a 2.0 token, makeCredential and getAssertion.
  // Without pinUvAuthToken (2.1-PRE) getPinToken's token is the only one, so it also serves credential
  // management, as on YubiKeys of firmware 5.2-5.4 (ykman lists credentials with it).
  const uint8_t legacy =
      profile_.pin_uv_auth_token()
          ? static_cast<uint8_t>(kPermMakeCredential | kPermGetAssertion)
          : static_cast<uint8_t>(kPermMakeCredential | kPermGetAssertion | kPermCredentialManagement);
  const uint8_t granted = permissions ? static_cast<uint8_t>(*permissions & 0xFF) : legacy;
  const Bytes& token = pin_.issue_token(granted, rp_id ? std::optional<std::string>(*rp_id) : std::nullopt);
  auto encrypted = pin_encrypt(*protocol, *shared, token);
  if (!encrypted) return CtapStatus::kOther;
  return cbor::Value(cbor::Map{{kRespToken, std::move(encrypted).value()}});
}

}  // namespace keydesk::card::fido
