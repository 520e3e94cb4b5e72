#include "host/oath/oath_session.h"

#include <cstdio>

#include "crypto/algorithm_ids.h"
#include "crypto/random.h"
#include "iso7816/tlv.h"
#include "protocol/otp.h"

namespace keydesk::host::oath {
namespace {
using namespace protocol::ykoath;
constexpr size_t kChallengeSize = 8;

Result<OathCredentialInfo> info_from_kind(uint8_t kind, ByteView name) {
  const auto hash = crypto::hash_from_oath_nibble(kind & kAlgorithmMask);
  const uint8_t type = kind & kTypeMask;
  if (!hash || (type != 0x10 && type != 0x20))
    return Error::make(ErrorKind::kMalformed, "OATH credential kind");
  OathCredentialInfo info;
  info.name = string_of(name);
  info.type = static_cast<OathType>(type);
  info.hash = *hash;
  return info;
}

std::optional<OathAccessRule> rule_from_byte(uint8_t b) {
  if (b > static_cast<uint8_t>(OathAccessRule::kTouch)) return std::nullopt;
  return static_cast<OathAccessRule>(b);
}

Result<OathCredentialInfo> info_from_properties(ByteView item) {
  auto tlvs = iso7816::parse_tlvs(item);
  if (!tlvs) return tlvs.error();
  const auto* name = iso7816::find_tlv(*tlvs, kTagName);
  const auto* kind = iso7816::find_tlv(*tlvs, kTagKind);
  const auto* digits = iso7816::find_tlv(*tlvs, kTagDigits);
  const auto* counter = iso7816::find_tlv(*tlvs, kTagCounter);
  const auto* period = iso7816::find_tlv(*tlvs, kTagPeriod);
  const auto* properties = iso7816::find_tlv(*tlvs, kTagPropertyByte);
  const auto* contact = iso7816::find_tlv(*tlvs, kTagContactRule);
  const auto* contactless = iso7816::find_tlv(*tlvs, kTagContactlessRule);
  const auto malformed = Error::make(ErrorKind::kMalformed, "OATH credential properties");
  if (!name || !kind || kind->value.size() != 1 || !digits || digits->value.size() != 1) return malformed;
  auto info = info_from_kind(kind->value[0], name->value);
  if (!info) return info.error();
  info->digits = digits->value[0];
  if (counter) {
    if (counter->value.size() != 8) return malformed;
    info->counter = read_be64(counter->value);
  }
  if (period) {
    if (period->value.size() != 4) return malformed;
    info->period = read_be32(period->value);
  }
  if (properties && properties->value.size() == 1) info->touch = (properties->value[0] & kPropertyTouch) != 0;
  if (contact && contact->value.size() == 1) info->contact = rule_from_byte(contact->value[0]);
  if (contactless && contactless->value.size() == 1)
    info->contactless = rule_from_byte(contactless->value[0]);
  return info;
}

Result<std::string> code_from_response(ByteView data) {
  const auto value = iso7816::find_value(data, kTagTruncated);
  if (!value || value->size() != 5) return Error::make(ErrorKind::kMalformed, "OATH CALCULATE response");
  return protocol::otp::format_code(read_be32(ByteView(*value).subspan(1)) & 0x7FFFFFFF, (*value)[0]);
}
}  // namespace

const Bytes& OathSession::aid() {
  static const Bytes bytes(std::begin(kAid), std::end(kAid));
  return bytes;
}

OathSession::OathSession(ApduConnection& connection) : connection_(connection) {
  connection_.set_send_remaining_ins(kInsSendRemaining);
}

Result<Bytes> OathSession::send_ok(CommandApdu cmd, const char* context) {
  auto r = connection_.send_ok(cmd, context);
  wipe(cmd.data);
  return r;
}

Result<OathApplicationInfo> OathSession::select() {
  auto r = connection_.select(aid());
  if (!r) return r.error();
  if (!r->sw.ok()) return Error::make(ErrorKind::kNotSupported, "the token has no OATH applet", r->sw.value);
  auto tlvs = iso7816::parse_tlvs(r->data);
  if (!tlvs) return tlvs.error();
  const auto* version = iso7816::find_tlv(*tlvs, kTagVersion);
  const auto* salt = iso7816::find_tlv(*tlvs, kTagName);
  const auto* challenge = iso7816::find_tlv(*tlvs, kTagChallenge);
  if (!version || version->value.size() != 3 || !salt)
    return Error::make(ErrorKind::kMalformed, "OATH SELECT response");
  info_ = {};
  std::copy(version->value.begin(), version->value.end(), info_.version);
  info_.salt = salt->value;
  info_.password_required = challenge != nullptr;
  select_challenge_ = challenge ? challenge->value : Bytes{};
  return info_;
}

Result<bool> OathSession::validate(std::string_view password) {
  if (select_challenge_.empty())
    return Error::make(ErrorKind::kUsage, "the OATH applet asked for no password");
  Bytes key = protocol::ykoath::derive_access_key(password, info_.salt);
  const Bytes host_challenge = crypto::random_bytes(kChallengeSize);
  Bytes data;
  iso7816::append_tlv(data, kTagFullResponse, crypto::hmac(crypto::HashAlg::kSha1, key, select_challenge_));
  iso7816::append_tlv(data, kTagChallenge, host_challenge);
  select_challenge_.clear();  // the card accepts one answer per SELECT
  auto r = connection_.send(CommandApdu::make(0x00, kInsValidate, 0, 0, std::move(data)));
  if (!r) {
    wipe(key);
    return r.error();
  }
  if (!r->sw.ok()) {
    wipe(key);
    return false;
  }
  // The card proves it holds the same key, so a host cannot be fooled into trusting an impostor.
  const auto card_response = iso7816::find_value(r->data, kTagFullResponse);
  Bytes expected = crypto::hmac(crypto::HashAlg::kSha1, key, host_challenge);
  const bool genuine = card_response && equal_ct(*card_response, expected);
  wipe(key);
  if (!genuine)
    return Error::make(ErrorKind::kMalformed, "the OATH applet's VALIDATE response does not match");
  return true;
}

Status OathSession::set_password(std::string_view password) {
  Bytes key = protocol::ykoath::derive_access_key(password, info_.salt);
  const Bytes challenge = crypto::random_bytes(kChallengeSize);
  Bytes key_item{static_cast<uint8_t>(static_cast<uint8_t>(OathType::kTotp) |
                                      crypto::oath_nibble_of(crypto::HashAlg::kSha1))};
  append(key_item, key);
  Bytes data;
  iso7816::append_tlv(data, kTagKey, key_item);
  iso7816::append_tlv(data, kTagChallenge, challenge);
  iso7816::append_tlv(data, kTagFullResponse, crypto::hmac(crypto::HashAlg::kSha1, key, challenge));
  wipe(key);
  wipe(key_item);
  auto r = send_ok(CommandApdu::make(0x00, kInsSetCode, 0, 0, std::move(data)), "OATH SET CODE");
  if (!r) return r.error();
  return {};
}

Status OathSession::clear_password() {
  auto r =
      send_ok(CommandApdu::make(0x00, kInsSetCode, 0, 0, iso7816::encode_tlv(kTagKey, {})), "OATH SET CODE");
  if (!r) return r.error();
  return {};
}

Result<std::vector<OathCredentialInfo>> OathSession::list() {
  auto data = send_ok(CommandApdu::make(0x00, kInsList, 0, 0), "OATH LIST");
  if (!data) return data.error();
  auto tlvs = iso7816::parse_tlvs(*data);
  if (!tlvs) return tlvs.error();
  std::vector<OathCredentialInfo> out;
  for (const auto& t : *tlvs) {
    if (t.tag != kTagListEntry || t.value.size() < 2)
      return Error::make(ErrorKind::kMalformed, "OATH LIST entry");
    auto info = info_from_kind(t.value[0], ByteView(t.value).subspan(1));
    if (!info) return info.error();
    out.push_back(std::move(info).value());
  }
  return out;
}

Result<std::vector<OathCredentialInfo>> OathSession::list_with_properties() {
  auto r = connection_.send(CommandApdu::make(0x00, kInsGetCredentialProperties, 0, 0));
  if (!r) return r.error();
  if (r->sw == iso7816::sw::kInsNotSupported) return list();  // a YubiKey or another foreign token
  if (!r->sw.ok()) return Error::sw(r->sw.value, "OATH GET CREDENTIAL PROPERTIES");
  auto tlvs = iso7816::parse_tlvs(r->data);
  if (!tlvs) return tlvs.error();
  std::vector<OathCredentialInfo> out;
  for (const auto& t : *tlvs) {
    if (t.tag != kTagProperties) return Error::make(ErrorKind::kMalformed, "OATH credential properties");
    auto info = info_from_properties(t.value);
    if (!info) return info.error();
    out.push_back(std::move(info).value());
  }
  return out;
}

Result<std::string> OathSession::calculate(std::string_view name, Bytes challenge) {
  Bytes data = iso7816::encode_tlv(kTagName, bytes_of(name));
  iso7816::append_tlv(data, kTagChallenge, challenge);
  auto r = send_ok(CommandApdu::make(0x00, kInsCalculate, 0x00, 0x01, std::move(data)), "OATH CALCULATE");
  if (!r) return r.error();
  return code_from_response(*r);
}

Result<std::string> OathSession::calculate_totp(std::string_view name, int64_t unix_time, uint32_t period) {
  if (period == 0) return Error::make(ErrorKind::kUsage, "TOTP period must be positive");
  return calculate(name, protocol::otp::moving_factor(protocol::otp::totp_counter(unix_time, period)));
}

Result<std::string> OathSession::calculate_hotp(std::string_view name) {
  return calculate(name, {});
}

Result<std::vector<OathCode>> OathSession::calculate_all(int64_t unix_time) {
  auto data = send_ok(
      CommandApdu::make(0x00, kInsCalculateAll, 0x00, 0x01,
                        iso7816::encode_tlv(kTagChallenge, protocol::otp::moving_factor(
                                                               protocol::otp::totp_counter(unix_time, 30)))),
      "OATH CALCULATE ALL");
  if (!data) return data.error();
  auto tlvs = iso7816::parse_tlvs(*data);
  if (!tlvs || tlvs->size() % 2 != 0)
    return Error::make(ErrorKind::kMalformed, "OATH CALCULATE ALL response");
  std::vector<OathCode> out;
  for (size_t i = 0; i < tlvs->size(); i += 2) {
    const auto& name = (*tlvs)[i];
    const auto& result = (*tlvs)[i + 1];
    if (name.tag != kTagName || result.value.empty())
      return Error::make(ErrorKind::kMalformed, "OATH CALCULATE ALL entry");
    OathCode code{string_of(name.value), OathCode::Kind::kCode, {}, result.value[0]};
    if (result.tag == kTagTruncated && result.value.size() == 5) {
      code.code =
          protocol::otp::format_code(read_be32(ByteView(result.value).subspan(1)) & 0x7FFFFFFF, code.digits);
    } else if (result.tag == kTagHotp) {
      code.kind = OathCode::Kind::kHotp;
    } else if (result.tag == kTagTouch) {
      code.kind = OathCode::Kind::kNeedsAction;
    } else {
      return Error::make(ErrorKind::kMalformed, "OATH CALCULATE ALL entry");
    }
    out.push_back(std::move(code));
  }
  return out;
}

Status OathSession::put(const OathCredentialSpec& spec) {
  if (spec.name.empty() || spec.name.size() > 64)
    return Error::make(ErrorKind::kUsage, "OATH name must be 1..64 bytes");
  if (spec.digits < 6 || spec.digits > 8) return Error::make(ErrorKind::kUsage, "OATH digits must be 6..8");
  Bytes key{static_cast<uint8_t>(static_cast<uint8_t>(spec.type) | crypto::oath_nibble_of(spec.hash)),
            static_cast<uint8_t>(spec.digits)};
  append(key, spec.secret);
  Bytes data = iso7816::encode_tlv(kTagName, bytes_of(spec.name));
  iso7816::append_tlv(data, kTagKey, key);
  wipe(key);
  if (spec.touch) {
    data.push_back(static_cast<uint8_t>(kTagProperty));  // the property item has no length byte
    data.push_back(kPropertyTouch);
  }
  if (spec.type == OathType::kHotp && spec.initial_counter > 0) {
    Bytes imf;
    append_be32(imf, spec.initial_counter);
    iso7816::append_tlv(data, kTagImf, imf);
  }
  if (spec.access_rules)
    iso7816::append_tlv(data, kTagAccessRules,
                        Bytes{static_cast<uint8_t>(spec.access_rules->first),
                              static_cast<uint8_t>(spec.access_rules->second)});
  auto r = send_ok(CommandApdu::make(0x00, kInsPut, 0, 0, std::move(data)), "OATH PUT");
  if (!r) return r.error();
  return {};
}

Status OathSession::remove(std::string_view name) {
  auto r = send_ok(CommandApdu::make(0x00, kInsDelete, 0, 0, iso7816::encode_tlv(kTagName, bytes_of(name))),
                   "OATH DELETE");
  if (!r) return r.error();
  return {};
}

Status OathSession::rename(std::string_view from, std::string_view to) {
  Bytes data = iso7816::encode_tlv(kTagName, bytes_of(from));
  iso7816::append_tlv(data, kTagName, bytes_of(to));
  auto r = send_ok(CommandApdu::make(0x00, kInsRename, 0, 0, std::move(data)), "OATH RENAME");
  if (!r) return r.error();
  return {};
}

Status OathSession::reset() {
  auto r = send_ok(CommandApdu::make(0x00, kInsReset, kResetP1, kResetP2), "OATH RESET");
  if (!r) return r.error();
  return {};
}

Result<VerifyResult> OathSession::verify_pin(std::string_view pin) {
  CommandApdu cmd = CommandApdu::make(0x00, kInsVerify, 0x00, kPinReference, bytes_of(pin));
  auto r = connection_.send(cmd);
  wipe(cmd.data);
  if (!r) return r.error();
  return verify_result_from_sw(r->sw, "OATH VERIFY");
}

}  // namespace keydesk::host::oath
