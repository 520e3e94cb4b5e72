#include "host/aca/aca_session.h"

#include "crypto/algorithm_ids.h"
#include "iso7816/tlv.h"
#include "protocol/aca.h"

namespace keydesk::host::aca {
namespace {
using namespace protocol::aca;

Bytes secret_tlv(uint32_t tag, std::string_view value) {
  return iso7816::encode_tlv(tag, bytes_of(value));
}

// Sends a command whose data holds secrets and wipes the copy afterwards.
Result<ResponseApdu> send_secret(ApduConnection& connection, CommandApdu cmd) {
  auto r = connection.send(cmd);
  wipe(cmd.data);
  return r;
}
}  // namespace

const Bytes& AcaSession::aid() {
  static const Bytes bytes(kAid.begin(), kAid.end());
  return bytes;
}

Status AcaSession::select() {
  auto r = connection_.select(aid());
  if (!r) return r.error();
  if (!r->sw.ok())
    return Error::make(ErrorKind::kNotSupported, "the token has no access-control applet", r->sw.value);
  return {};
}

Result<AcaProperties> AcaSession::properties() {
  auto data =
      connection_.send_ok(CommandApdu::make(kProprietaryCla, kInsGetProperties, 0, 0), "ACA GET PROPERTIES");
  if (!data) return data.error();
  auto tlvs = iso7816::parse_tlvs(*data);
  if (!tlvs) return tlvs.error();
  AcaProperties p;
  for (const auto& t : *tlvs) {
    if (t.value.size() != 1)
      return Error::make(ErrorKind::kMalformed, "ACA property with a multi-byte value");
    const uint8_t v = t.value[0];
    switch (t.tag) {
      case kPropPinTries:
        p.pin_tries = v;
        break;
      case kPropPinMaxTries:
        p.pin_max_tries = v;
        break;
      case kPropPukTries:
        p.puk_tries = v;
        break;
      case kPropPukMaxTries:
        p.puk_max_tries = v;
        break;
      case kPropPukInitialized:
        p.puk_initialized = v != 0;
        break;
      case kPropXauthInitialized:
        p.xauth_initialized = v != 0;
        break;
      case kPropXauthChallengeType:
        p.xauth_challenge_type = v <= 2 ? static_cast<XauthChallengeType>(v) : XauthChallengeType::kNone;
        break;
      case kPropXauthAlgorithm:
        p.xauth_algorithm = crypto::block_cipher_from_piv_id(v);
        break;
      case kPropXauthTries:
        p.xauth_tries = v;
        break;
      case kPropXauthMaxTries:
        p.xauth_max_tries = v;
        break;
      case kPropMinPinLength:
        p.min_pin_length = v;
        break;
      case kPropMaxPinLength:
        p.max_pin_length = v;
        break;
      case kPropPinSharedWithFido:
        p.pin_shared_with_fido = v != 0;
        break;
      case kPropForcePinChange:
        p.force_pin_change = v != 0;
        break;
      case kPropPinIsInitial:
        p.pin_is_initial = v != 0;
        break;
      default:
        break;  // properties of a later revision
    }
  }
  return p;
}

Result<VerifyResult> AcaSession::send_verification(const CommandApdu& cmd, const char* context) {
  auto r = send_secret(connection_, cmd);
  if (!r) return r.error();
  return verify_result_from_sw(r->sw, context);
}

Result<VerifyResult> AcaSession::verify_pin(std::string_view pin) {
  return send_verification(CommandApdu::make(0x00, kInsVerify, 0x00, kPinReference, bytes_of(pin)),
                           "ACA VERIFY");
}

Result<VerifyResult> AcaSession::pin_status() {
  return send_verification(CommandApdu::make(0x00, kInsVerify, 0x00, kPinReference), "ACA VERIFY (status)");
}

Status AcaSession::logout() {
  auto r = connection_.send(CommandApdu::make(0x00, kInsVerify, kVerifyLogout, kPinReference));
  if (!r) return r.error();
  if (!r->sw.ok()) return Error::sw(r->sw.value, "ACA VERIFY (reset security status)");
  return {};
}

Result<VerifyResult> AcaSession::change_pin(std::string_view old_pin, std::string_view new_pin) {
  Bytes data = secret_tlv(kTagPin, old_pin);
  append(data, secret_tlv(kTagNewPin, new_pin));
  return send_verification(
      CommandApdu::make(0x00, kInsChangeReferenceData, 0x00, kPinReference, std::move(data)),
      "ACA CHANGE REFERENCE DATA");
}

Status AcaSession::puk_put(std::string_view puk) {
  auto r = send_secret(connection_,
                       CommandApdu::make(kProprietaryCla, kInsPutPuk, 0, 0, secret_tlv(kTagPuk, puk)));
  if (!r) return r.error();
  if (!r->sw.ok()) return Error::sw(r->sw.value, "ACA PUT PUK");
  return {};
}

Result<VerifyResult> AcaSession::unblock_with_puk(std::string_view puk, std::string_view new_pin) {
  Bytes data = secret_tlv(kTagPuk, puk);
  append(data, secret_tlv(kTagNewPin, new_pin));
  return send_verification(
      CommandApdu::make(0x00, kInsResetRetryCounter, 0x00, kPinReference, std::move(data)),
      "ACA RESET RETRY COUNTER");
}

Result<Bytes> AcaSession::xauth_challenge() {
  return connection_.send_ok(CommandApdu::make(0x00, kInsGetChallenge, 0, 0, {}, 256), "ACA GET CHALLENGE");
}

Result<VerifyResult> AcaSession::xauth_authenticate(ByteView cryptogram) {
  auto r = connection_.send(
      CommandApdu::make(0x00, kInsExternalAuthenticate, 0, 0, Bytes(cryptogram.begin(), cryptogram.end())));
  if (!r) return r.error();
  return verify_result_from_sw(r->sw, "ACA EXTERNAL AUTHENTICATE");
}

Status AcaSession::unblock_with_xauth(std::string_view new_pin) {
  auto r = send_secret(connection_, CommandApdu::make(kProprietaryCla, kInsUnblockWithXauth, 0x00,
                                                      kPinReference, secret_tlv(kTagNewPin, new_pin)));
  if (!r) return r.error();
  if (!r->sw.ok()) return Error::sw(r->sw.value, "ACA UNBLOCK PIN (XAUTH)");
  return {};
}

Status AcaSession::set_policy(const AcaPolicyChange& change) {
  Bytes data;
  const auto put = [&](uint32_t tag, std::optional<uint8_t> v) {
    if (v) iso7816::append_tlv(data, tag, Bytes{*v});
  };
  put(kPropForcePinChange,
      change.force_pin_change ? std::optional<uint8_t>(*change.force_pin_change ? 1 : 0) : std::nullopt);
  put(kPropMinPinLength, change.min_pin_length);
  put(kPropMaxPinLength, change.max_pin_length);
  put(kPropPinMaxTries, change.pin_max_tries);
  put(kPropPukMaxTries, change.puk_max_tries);
  put(kPropXauthMaxTries, change.xauth_max_tries);
  put(kPropXauthChallengeType,
      change.xauth_challenge_type ? std::optional<uint8_t>(static_cast<uint8_t>(*change.xauth_challenge_type))
                                  : std::nullopt);
  if (data.empty()) return Error::make(ErrorKind::kUsage, "no property to change");
  auto r = connection_.send_ok(CommandApdu::make(kProprietaryCla, kInsSetProperties, 0, 0, std::move(data)),
                               "ACA SET PROPERTIES");
  if (!r) return r.error();
  return {};
}

Status AcaSession::put_xauth_key(crypto::BlockCipher cipher, ByteView key, XauthChallengeType type) {
  if (type == XauthChallengeType::kNone)
    return Error::make(ErrorKind::kUsage, "an XAUTH key needs a challenge type");
  Bytes data;
  iso7816::append_tlv(data, kTagXauthAlgorithm, Bytes{crypto::piv_id_of(cipher)});
  iso7816::append_tlv(data, kTagXauthKey, key);
  iso7816::append_tlv(data, kTagXauthChallengeType, Bytes{static_cast<uint8_t>(type)});
  auto r =
      send_secret(connection_, CommandApdu::make(kProprietaryCla, kInsPutXauthKey, 0, 0, std::move(data)));
  if (!r) return r.error();
  if (!r->sw.ok()) return Error::sw(r->sw.value, "ACA PUT XAUTH KEY");
  return {};
}

}  // namespace keydesk::host::aca
