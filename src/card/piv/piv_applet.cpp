#include "card/piv/piv_applet.h"

#include "card/piv/piv_provisioning.h"
#include "iso7816/tlv.h"

namespace keydesk::card::piv {
namespace sw = iso7816::sw;
using iso7816::StatusWord;

namespace {
namespace wire = protocol::piv;
// The Application Property Template exactly as a YubiKey answers SELECT: PIX and the coexistent tag
// allocation authority, no label, no algorithm list.
const Bytes kSelectResponse = *from_hex("61114f0600001000010079074f05a000000308");
constexpr const char* kAttestationSubject = "CN=keydesk-sim PIV Attestation";
constexpr auto kTouchCacheWindow = std::chrono::seconds(15);

ResponseApdu status(StatusWord s) {
  return ResponseApdu::status(s);
}

std::string slot_key(uint8_t ref) {
  return to_hex(Bytes{ref});
}

std::optional<uint8_t> slot_from_key(const std::string& key) {
  const auto raw = from_hex(key);
  if (!raw || raw->size() != 1 || !find_key_slot((*raw)[0])) return std::nullopt;
  return (*raw)[0];
}

// GET DATA / PUT DATA name the object in tag 5C: 1 to 3 bytes.
std::optional<uint32_t> object_id(const Bytes& value) {
  if (value.empty() || value.size() > 3) return std::nullopt;
  uint32_t id = 0;
  for (uint8_t b : value) id = (id << 8) | b;
  return id;
}
}  // namespace

PivApplet::PivApplet(CardContext& context)
    : context_(context), management_auth_(management_key_, context), pin_state_(context) {}

ByteView PivApplet::aid() const {
  return wire::kAid;
}

ResponseApdu PivApplet::select(const CommandApdu&) {
  // Re-selecting PIV keeps every security status indicator (SP 800-73-4 Part 2 section 3.1.1), as a
  // YubiKey does: OpenSC re-selects at the start of each transaction on a card whose Discovery Object it
  // cannot read, and a login must survive that. Coming from another applet, deselect() has already
  // reset them. Only a half-done management-key exchange ends, as with any other command in between.
  management_auth_.forget_pending();
  return ResponseApdu::success(kSelectResponse);
}

void PivApplet::deselect() {
  // SP 800-73-4 Part 2 section 3.1.1: selecting another application sets all PIV security status
  // indicators to FALSE (a YubiKey ends the PIV session when another of its applications is selected).
  reset_volatile();
}

void PivApplet::reset_volatile() {
  management_auth_.forget();
  pin_state_.forget();
  last_touch_.reset();
}

ResponseApdu PivApplet::process(const CommandApdu& cmd) {
  // The management-key exchange must run as two consecutive commands.
  if (cmd.ins != wire::kInsGeneralAuthenticate) management_auth_.forget_pending();
  switch (cmd.ins) {
    case wire::kInsVerify:
      return pin_state_.verify(cmd);
    case wire::kInsChangeReferenceData:
      return pin_state_.change_reference(cmd);
    case wire::kInsResetRetryCounter:
      return pin_state_.reset_retry_counter(cmd);
    case wire::kInsGeneralAuthenticate:
      return general_authenticate(cmd);
    case wire::kInsGenerateKeyPair:
      return generate_key(cmd);
    case wire::kInsGetData:
      return get_data(cmd);
    case wire::kInsPutData:
      return put_data(cmd);
    case wire::kInsGetVersion:
      return ResponseApdu::success(Bytes(context_.identity.version, context_.identity.version + 3));
    case wire::kInsGetSerial: {
      Bytes serial;
      append_be32(serial, context_.identity.serial);
      return ResponseApdu::success(serial);
    }
    case wire::kInsGetMetadata:
      return get_metadata(cmd);
    case wire::kInsSetManagementKey:
      return set_management_key(cmd);
    case wire::kInsImportKey:
      return import_key(cmd);
    case wire::kInsReset:
      return reset(cmd);
    case wire::kInsSetPinRetries:
      return set_pin_retries(cmd);
    case wire::kInsAttest:
      return attest(cmd);
    default:
      return status(sw::kInsNotSupported);
  }
}

ResponseApdu PivApplet::get_data(const CommandApdu& cmd) {
  if (cmd.p1 != wire::kDataP1 || cmd.p2 != wire::kDataP2) return status(sw::kIncorrectP1P2);
  auto tlvs = iso7816::parse_tlvs(cmd.data);
  if (!tlvs || tlvs->size() != 1 || (*tlvs)[0].tag != wire::kTagObjectId) return status(sw::kIncorrectData);
  const auto id = object_id((*tlvs)[0].value);
  if (!id) return status(sw::kIncorrectData);
  const auto object = find_data_object(*id);
  if (!object) return status(sw::kFileNotFound);
  if (object->pin_protected) {
    if (const StatusWord s = pin_state_.authorize(piv::PinPolicy::kOnce); !s.ok()) return status(s);
  }
  const Bytes* content = objects_.find(*id);
  if (!content) return status(sw::kFileNotFound);
  return ResponseApdu::success(iso7816::encode_tlv(object->template_tag, *content));
}

ResponseApdu PivApplet::put_data(const CommandApdu& cmd) {
  if (cmd.p1 != wire::kDataP1 || cmd.p2 != wire::kDataP2) return status(sw::kIncorrectP1P2);
  if (!management_auth_.authenticated()) return status(sw::kSecurityNotSatisfied);
  auto tlvs = iso7816::parse_tlvs(cmd.data);
  if (!tlvs || tlvs->empty()) return status(sw::kIncorrectData);
  // Either 5C <id> 53 <content>, or a template object (BIT group 7F61) sent as itself.
  std::optional<uint32_t> id;
  const Bytes* content = nullptr;
  const auto& first = (*tlvs)[0];
  if (first.tag == wire::kTagObjectId && tlvs->size() == 2 && (*tlvs)[1].tag == wire::kTagObjectContent) {
    id = object_id(first.value);
    content = &(*tlvs)[1].value;
  } else if (tlvs->size() == 1 && (first.tag == 0x7E || first.tag == 0x7F61)) {
    id = first.tag;
    content = &first.value;
  }
  const auto object = id ? find_data_object(*id) : std::nullopt;
  // Template objects come only as themselves, the others only in 53. The Discovery Object is fixed at
  // manufacture: a YubiKey does not accept it in PUT DATA (Yubico's PIV data object table).
  if (!object || (object->template_tag == wire::kTagObjectContent) != (first.tag == wire::kTagObjectId) ||
      *id == kDiscoveryObject)
    return status(sw::kIncorrectData);
  if (content->size() > kMaxObjectSize) return status(sw::kNoSpace);
  if (content->empty()) {
    objects_.erase(*id);  // "53 00" deletes (ykman delete-certificate)
  } else {
    objects_.put(*id, *content);
  }
  return ResponseApdu::success();
}

StatusWord PivApplet::authorize_use(const PivKey& key) {
  if (const StatusWord s = pin_state_.authorize(key.policy().pin); !s.ok()) return s;
  const auto now = std::chrono::steady_clock::now();
  switch (key.policy().touch) {
    case TouchPolicy::kDefault:
    case TouchPolicy::kNever:
      return sw::kOk;
    case TouchPolicy::kCached:
      if (last_touch_ && now - *last_touch_ < kTouchCacheWindow) return sw::kOk;
      break;
    case TouchPolicy::kAlways:
      break;
  }
  // A YubiKey answers 6982 when the touch does not come before its timeout.
  if (!context_.presence.request()) return sw::kSecurityNotSatisfied;
  last_touch_ = now;
  return sw::kOk;
}

json PivApplet::save() const {
  json keys = json::object();
  for (const auto& [ref, key] : keys_) keys[slot_key(ref)] = key.save();
  return json{
      {"management_key", management_key_.save()}, {"keys", std::move(keys)}, {"objects", objects_.save()}};
}

Status PivApplet::load(const json& section) {
  if (!section.is_object()) return Error::make(ErrorKind::kMalformed, "piv section must be an object");
  ManagementKey management;
  if (section.contains("management_key")) KD_TRY(management.load(section["management_key"]));
  std::map<uint8_t, PivKey> keys;
  const json saved_keys = section.value("keys", json::object());
  if (!saved_keys.is_object()) return Error::make(ErrorKind::kMalformed, "piv.keys must be an object");
  for (const auto& [name, value] : saved_keys.items()) {
    const auto slot = slot_from_key(name);
    if (!slot) return Error::make(ErrorKind::kMalformed, "piv.keys: unknown slot '" + name + "'");
    auto key = PivKey::load(value);
    if (!key) return key.error();
    keys.insert_or_assign(*slot, std::move(key).value());
  }
  DataObjectStore objects;
  KD_TRY(objects.load(section.value("objects", json::object())));

  management_key_ = management;
  keys_ = std::move(keys);
  objects_ = std::move(objects);
  reset_volatile();
  if (section.contains("provision")) KD_TRY(provision(section["provision"]));
  return ensure_attestation();
}

Status PivApplet::provision(const json& plan) {
  try {
    if (plan.value("chuid", false) && !objects_.contains(kChuidObject))
      objects_.put(kChuidObject, make_chuid());
    if (plan.value("ccc", false) && !objects_.contains(kCccObject)) objects_.put(kCccObject, make_ccc());
    for (const auto& k : plan.value("keys", json::array())) {
      const auto ref = slot_from_key(k.at("slot").get<std::string>());
      const auto alg = algorithm_from_name(k.at("algorithm").get<std::string>());
      const auto pin = pin_policy_from_name(k.value("pin_policy", std::string("default")));
      const auto touch = touch_policy_from_name(k.value("touch_policy", std::string("default")));
      if (!ref || !alg || is_symmetric(*alg) || !pin || !touch)
        return Error::make(ErrorKind::kMalformed, "piv.provision.keys: bad slot, algorithm or policy");
      const KeySlot slot = *find_key_slot(*ref);
      if (keys_.contains(*ref)) continue;
      auto key = PivKey::generate(*alg, resolve_policy({*pin, *touch}, slot));
      if (!key) return key.error();
      if (k.contains("certificate_subject") && !objects_.contains(slot.cert_object)) {
        auto cert = self_signed_certificate(*key, k["certificate_subject"].get<std::string>());
        if (!cert) return cert.error();
        objects_.put(slot.cert_object, certificate_object(*cert));
      }
      keys_.insert_or_assign(*ref, std::move(key).value());
    }
    return {};
  } catch (const json::exception& e) {
    return Error::make(ErrorKind::kMalformed, std::string("piv.provision: ") + e.what());
  }
}

Status PivApplet::ensure_attestation() {
  // Every token attests with its own key; it survives RESET, as on a YubiKey.
  if (!keys_.contains(kAttestationSlot)) {
    auto key = PivKey::generate(Algorithm::kEccP256, {piv::PinPolicy::kNever, TouchPolicy::kNever});
    if (!key) return key.error();
    keys_.insert_or_assign(kAttestationSlot, std::move(key).value());
    objects_.erase(kAttestationCertObject);
  }
  if (objects_.contains(kAttestationCertObject)) return {};
  auto cert = self_signed_certificate(keys_.at(kAttestationSlot), kAttestationSubject, /*ca=*/true);
  if (!cert) return cert.error();
  objects_.put(kAttestationCertObject, certificate_object(*cert));
  return {};
}

}  // namespace keydesk::card::piv
