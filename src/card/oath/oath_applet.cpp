#include "card/oath/oath_applet.h"

#include <algorithm>
#include <array>

#include "crypto/random.h"
#include "iso7816/tlv.h"
#include "protocol/otp.h"

namespace keydesk::card::oath {
namespace sw = iso7816::sw;
using iso7816::StatusWord;

namespace {
using namespace protocol::ykoath;
constexpr size_t kSaltSize = 8;
constexpr size_t kMaxCredentials = 32;  // a YubiKey 5 holds 32 OATH credentials

std::optional<AccessRule> rule_from_byte(uint8_t b) {
  if (b > static_cast<uint8_t>(AccessRule::kTouch)) return std::nullopt;
  return static_cast<AccessRule>(b);
}

// PUT data is BER-TLV except the property item, which is "78 <byte>" without a length.
Result<std::vector<iso7816::Tlv>> parse_put_items(ByteView data) {
  std::vector<iso7816::Tlv> items;
  size_t pos = 0;
  while (pos < data.size()) {
    if (data[pos] == kTagProperty) {
      if (pos + 1 >= data.size()) return Error::make(ErrorKind::kMalformed, "PUT property");
      items.push_back({kTagProperty, Bytes{data[pos + 1]}});
      pos += 2;
      continue;
    }
    auto tlv = iso7816::read_tlv(data, pos);
    if (!tlv) return tlv.error();
    items.push_back(std::move(tlv).value());
  }
  return items;
}

Result<OathCredential> credential_from_put(const std::vector<iso7816::Tlv>& items) {
  const auto malformed = Error::make(ErrorKind::kMalformed, "PUT");
  const iso7816::Tlv* name = iso7816::find_tlv(items, kTagName);
  const iso7816::Tlv* key = iso7816::find_tlv(items, kTagKey);
  if (!name || !key || name->value.empty() || name->value.size() > kMaxNameLength || key->value.size() < 2)
    return malformed;
  OathCredential c;
  c.name = name->value;
  const uint8_t type = key->value[0] & 0xF0;
  const auto hash = crypto::hash_from_oath_nibble(key->value[0] & 0x0F);
  if ((type != 0x10 && type != 0x20) || !hash) return malformed;
  c.type = static_cast<OathType>(type);
  c.hash = *hash;
  c.digits = key->value[1];
  if (c.digits < 6 || c.digits > 8) return malformed;
  c.secret.assign(key->value.begin() + 2, key->value.end());
  // Clients pre-hash longer secrets to the HMAC block size, so anything longer is a malformed PUT.
  const size_t block = c.hash == crypto::HashAlg::kSha512 ? 128 : 64;
  if (c.secret.size() > block) return malformed;
  if (const iso7816::Tlv* prop = iso7816::find_tlv(items, kTagProperty)) {
    const uint8_t p = prop->value[0];
    c.increasing = (p & kPropertyIncreasing) != 0;
    if ((p & kPropertyTouch) != 0) c.contact = c.contactless = AccessRule::kTouch;
  }
  if (const iso7816::Tlv* imf = iso7816::find_tlv(items, kTagImf)) {
    if (imf->value.size() != 4) return malformed;
    c.counter = read_be32(imf->value);
  }
  if (const iso7816::Tlv* rules = iso7816::find_tlv(items, kTagAccessRules)) {
    if (rules->value.size() != 2) return malformed;
    const auto contact = rule_from_byte(rules->value[0]);
    const auto contactless = rule_from_byte(rules->value[1]);
    if (!contact || !contactless) return malformed;
    c.contact = *contact;
    c.contactless = *contactless;
  }
  return c;
}

// The response for one calculation: full (75) or truncated (76), both led by the digit count.
Bytes code_item(const OathCredential& c, ByteView message, bool truncated) {
  Bytes mac = crypto::hmac(c.hash, c.secret, message);
  Bytes value{c.digits};
  if (truncated) {
    append_be32(value, protocol::otp::dynamic_truncate(mac));
  } else {
    append(value, mac);
  }
  wipe(mac);
  return iso7816::encode_tlv(truncated ? kTagTruncated : kTagFullResponse, value);
}

// Instructions that need VALIDATE when an access key is set (the YKOATH protocol's instruction table;
// GET CREDENTIAL PROPERTIES like LIST, docs/oath-extensions.md).
bool needs_access_key(uint8_t ins) {
  switch (ins) {
    case kInsPut:
    case kInsDelete:
    case kInsSetCode:
    case kInsRename:
    case kInsList:
    case kInsCalculate:
    case kInsCalculateAll:
    case kInsGetCredentialProperties:
      return true;
    default:
      return false;
  }
}
}  // namespace

OathApplet::OathApplet(CardContext& context) : context_(context), pin_(context) {}

ByteView OathApplet::aid() const {
  return kAid;
}

ResponseApdu OathApplet::select(const CommandApdu&) {
  // YKOATH: every SELECT, of another applet or of this one again, starts a new session. Its response
  // carries a fresh access-key challenge and VALIDATE answers that one, so a validation from before
  // cannot carry over (Yubico's ykneo-oath keeps it in CLEAR_ON_DESELECT memory, which a Java Card also
  // clears when the same applet is selected again, JCRE section 4.6). The card-PIN verification of the
  // "pin" access rule ends with it (docs/oath-extensions.md).
  pin_.forget();
  access_key_.begin_session();
  Bytes out;
  iso7816::append_tlv(out, kTagVersion, ByteView(context_.identity.version, 3));
  iso7816::append_tlv(out, kTagName, salt_);
  access_key_.append_select_items(out);
  return ResponseApdu::success(std::move(out));
}

void OathApplet::deselect() {
  reset_volatile();
}

void OathApplet::reset_volatile() {
  pin_.forget();
  access_key_.end_session();
}

ResponseApdu OathApplet::process(const CommandApdu& cmd) {
  if (cmd.cla != 0x00) return ResponseApdu::status(sw::kClaNotSupported);
  if (needs_access_key(cmd.ins) && !access_key_.unlocked())
    return ResponseApdu::status(sw::kSecurityNotSatisfied);
  const bool plain_p1p2 = cmd.p1 == 0x00 && cmd.p2 == 0x00;
  switch (cmd.ins) {
    case kInsPut:
      return plain_p1p2 ? put(cmd) : ResponseApdu::status(sw::kWrongP1P2);
    case kInsDelete:
      return plain_p1p2 ? remove(cmd) : ResponseApdu::status(sw::kWrongP1P2);
    case kInsSetCode:
      return plain_p1p2 ? access_key_.set_code(cmd.data) : ResponseApdu::status(sw::kWrongP1P2);
    case kInsReset:
      return reset(cmd);
    case kInsRename:
      return plain_p1p2 ? rename(cmd) : ResponseApdu::status(sw::kWrongP1P2);
    case kInsVerify:
      return pin_.verify(cmd);
    case kInsList:
      return plain_p1p2 ? list() : ResponseApdu::status(sw::kWrongP1P2);
    case kInsCalculate:
      return calculate(cmd);
    case kInsValidate:
      return plain_p1p2 ? access_key_.validate(cmd.data) : ResponseApdu::status(sw::kWrongP1P2);
    case kInsCalculateAll:
      return calculate_all(cmd);
    case kInsGetCredentialProperties:
      return plain_p1p2 ? credential_properties() : ResponseApdu::status(sw::kWrongP1P2);
    default:
      return ResponseApdu::status(sw::kInsNotSupported);
  }
}

OathCredential* OathApplet::find(ByteView name) {
  auto it = std::find_if(credentials_.begin(), credentials_.end(), [&](const OathCredential& c) {
    return std::equal(c.name.begin(), c.name.end(), name.begin(), name.end());
  });
  return it == credentials_.end() ? nullptr : &*it;
}

ResponseApdu OathApplet::put(const CommandApdu& cmd) {
  auto items = parse_put_items(cmd.data);
  if (!items) return ResponseApdu::status(sw::kIncorrectData);
  auto credential = credential_from_put(*items);
  for (auto& item : *items) wipe(item.value);
  if (!credential) return ResponseApdu::status(sw::kIncorrectData);
  if (OathCredential* existing = find(credential->name)) {
    *existing = std::move(credential).value();  // same name overwrites
    return ResponseApdu::success();
  }
  if (credentials_.size() >= kMaxCredentials) return ResponseApdu::status(sw::kNoSpace);
  credentials_.push_back(std::move(credential).value());
  return ResponseApdu::success();
}

ResponseApdu OathApplet::remove(const CommandApdu& cmd) {
  const auto name = iso7816::find_value(cmd.data, kTagName);
  if (!name) return ResponseApdu::status(sw::kIncorrectData);
  const auto removed = std::erase_if(credentials_, [&](const OathCredential& c) { return c.name == *name; });
  return ResponseApdu::status(removed ? sw::kOk : sw::kDataInvalid);
}

ResponseApdu OathApplet::rename(const CommandApdu& cmd) {
  auto tlvs = iso7816::parse_tlvs(cmd.data);
  if (!tlvs || tlvs->size() != 2 || (*tlvs)[0].tag != kTagName || (*tlvs)[1].tag != kTagName)
    return ResponseApdu::status(sw::kIncorrectData);
  const Bytes& to = (*tlvs)[1].value;
  if (to.empty() || to.size() > kMaxNameLength) return ResponseApdu::status(sw::kIncorrectData);
  OathCredential* credential = find((*tlvs)[0].value);
  if (!credential) return ResponseApdu::status(sw::kDataInvalid);
  if (find(to)) return ResponseApdu::status(sw::kIncorrectData);
  credential->name = to;
  return ResponseApdu::success();
}

ResponseApdu OathApplet::reset(const CommandApdu& cmd) {
  if (cmd.p1 != kResetP1 || cmd.p2 != kResetP2) return ResponseApdu::status(sw::kWrongP1P2);
  credentials_.clear();
  access_key_.clear();
  salt_ = crypto::random_bytes(kSaltSize);
  return ResponseApdu::success();
}

ResponseApdu OathApplet::list() const {
  Bytes out;
  for (const auto& c : credentials_) {
    Bytes entry{c.kind_byte()};
    append(entry, c.name);
    iso7816::append_tlv(out, kTagListEntry, entry);
  }
  return ResponseApdu::success(std::move(out));
}

StatusWord OathApplet::authorize(const OathCredential& credential) const {
  switch (credential.contact) {
    case AccessRule::kAlways:
      return sw::kOk;
    case AccessRule::kPin:
      return pin_.check_access();
    case AccessRule::kTouch:
      // ykman reads 6982 from CALCULATE as "touch timed out".
      return context_.presence.request() ? sw::kOk : sw::kSecurityNotSatisfied;
  }
  return sw::kSecurityNotSatisfied;
}

bool OathApplet::computable_unattended(const OathCredential& credential) const {
  if (credential.type == OathType::kHotp) return false;  // would advance the counter
  if (credential.contact == AccessRule::kTouch) return false;
  return credential.contact == AccessRule::kAlways || pin_.check_access().ok();
}

ResponseApdu OathApplet::calculate(const CommandApdu& cmd) {
  if (cmd.p1 != 0x00 || cmd.p2 > 0x01) return ResponseApdu::status(sw::kWrongP1P2);
  auto tlvs = iso7816::parse_tlvs(cmd.data);
  if (!tlvs) return ResponseApdu::status(sw::kIncorrectData);
  const iso7816::Tlv* name = iso7816::find_tlv(*tlvs, kTagName);
  const iso7816::Tlv* challenge = iso7816::find_tlv(*tlvs, kTagChallenge);
  if (!name || !challenge || challenge->value.size() > 8) return ResponseApdu::status(sw::kIncorrectData);
  OathCredential* credential = find(name->value);
  if (!credential) return ResponseApdu::status(sw::kDataInvalid);
  if (const StatusWord allowed = authorize(*credential); !allowed.ok()) return ResponseApdu::status(allowed);
  const bool truncated = cmd.p2 == 0x01;
  if (credential->type == OathType::kTotp)
    return ResponseApdu::success(code_item(*credential, challenge->value, truncated));
  // HOTP ignores the host's (empty) challenge: the card's own counter is the moving factor, advanced
  // after each calculation. The Card persists the new counter before the code leaves the card.
  const Bytes message = protocol::otp::moving_factor(credential->counter);
  ++credential->counter;
  return ResponseApdu::success(code_item(*credential, message, truncated));
}

ResponseApdu OathApplet::calculate_all(const CommandApdu& cmd) const {
  if (cmd.p1 != 0x00 || cmd.p2 > 0x01) return ResponseApdu::status(sw::kWrongP1P2);
  const auto challenge = iso7816::find_value(cmd.data, kTagChallenge);
  if (!challenge || challenge->size() > 8) return ResponseApdu::status(sw::kIncorrectData);
  Bytes out;
  for (const auto& c : credentials_) {
    iso7816::append_tlv(out, kTagName, c.name);
    if (computable_unattended(c)) {
      append(out, code_item(c, *challenge, cmd.p2 == 0x01));
    } else {
      // HOTP: 77 (not calculated); touch or PIN still needed: 7C, which ykman shows as "requires touch"
      // and then asks for with a single CALCULATE.
      iso7816::append_tlv(out, c.type == OathType::kHotp ? kTagHotp : kTagTouch, Bytes{c.digits});
    }
  }
  return ResponseApdu::success(std::move(out));
}

ResponseApdu OathApplet::credential_properties() const {
  Bytes out;
  for (const auto& c : credentials_) {
    Bytes item;
    iso7816::append_tlv(item, kTagName, c.name);
    iso7816::append_tlv(item, kTagKind, Bytes{c.kind_byte()});
    iso7816::append_tlv(item, kTagDigits, Bytes{c.digits});
    if (c.type == OathType::kHotp) {
      Bytes counter;
      append_be64(counter, c.counter);
      iso7816::append_tlv(item, kTagCounter, counter);
    } else {
      Bytes period;
      append_be32(period, c.period());
      iso7816::append_tlv(item, kTagPeriod, period);
    }
    iso7816::append_tlv(item, kTagPropertyByte, Bytes{c.properties()});
    iso7816::append_tlv(item, kTagContactRule, Bytes{static_cast<uint8_t>(c.contact)});
    iso7816::append_tlv(item, kTagContactlessRule, Bytes{static_cast<uint8_t>(c.contactless)});
    iso7816::append_tlv(out, kTagProperties, item);
  }
  return ResponseApdu::success(std::move(out));
}

json OathApplet::save() const {
  json credentials = json::array();
  for (const auto& c : credentials_) credentials.push_back(c.save());
  return json{
      {"salt", to_hex(salt_)}, {"access_key", access_key_.save()}, {"credentials", std::move(credentials)}};
}

Status OathApplet::load(const json& section) {
  try {
    const std::string salt = section.value("salt", "");
    auto parsed = from_hex(salt);
    if (!parsed || (!parsed->empty() && parsed->size() != kSaltSize))
      return Error::make(ErrorKind::kMalformed, "oath.salt");
    salt_ = parsed->empty() ? crypto::random_bytes(kSaltSize) : *parsed;
    KD_TRY(access_key_.load(section.value("access_key", json())));
    std::vector<OathCredential> loaded;
    for (const auto& j : section.value("credentials", json::array())) {
      auto c = OathCredential::load(j);
      if (!c) return c.error();
      loaded.push_back(std::move(c).value());
    }
    if (loaded.size() > kMaxCredentials)
      return Error::make(ErrorKind::kMalformed, "oath: too many credentials");
    credentials_ = std::move(loaded);
  } catch (const json::exception& e) {
    return Error::make(ErrorKind::kMalformed, std::string("oath: ") + e.what());
  }
  return {};
}

}  // namespace keydesk::card::oath
