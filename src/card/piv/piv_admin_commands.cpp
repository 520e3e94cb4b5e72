// Yubico administration commands of the PIV applet: GET METADATA, SET MANAGEMENT KEY, SET PIN RETRIES
// and RESET.
#include "card/piv/piv_applet.h"
#include "iso7816/tlv.h"

namespace keydesk::card::piv {
namespace sw = iso7816::sw;
using iso7816::StatusWord;

namespace {
namespace wire = protocol::piv;
constexpr uint8_t kDefaultRetries = 3;
constexpr uint8_t kPinOrPukAlgorithm = 0xFF;
constexpr uint8_t kTouchNever = 0x01, kTouchAlways = 0x02;

ResponseApdu status(StatusWord s) {
  return ResponseApdu::status(s);
}

void append_byte_tlv(Bytes& out, uint32_t tag, uint8_t value) {
  iso7816::append_tlv(out, tag, Bytes{value});
}

// Tags 01 (algorithm FF), 05 (still the default value) and 06 (total, remaining tries).
Bytes reference_metadata(const pin::PinReference& ref) {
  Bytes out;
  append_byte_tlv(out, wire::kMetaAlgorithm, kPinOrPukAlgorithm);
  append_byte_tlv(out, wire::kMetaIsDefault, ref.is_default() ? 1 : 0);
  iso7816::append_tlv(out, wire::kMetaRetries, Bytes{ref.max(), ref.remaining()});
  return out;
}

// What a YubiKey holds after RESET or SET PIN RETRIES: PIN 123456, PUK 12345678.
void restore_default_pin_and_puk(CardContext& context, uint8_t pin_tries, uint8_t puk_tries) {
  const Bytes pin = bytes_of("123456"), puk = bytes_of("12345678");
  context.pin.set_default_value(pin);
  context.pin.set_max(pin_tries);
  context.pin.set(pin);
  context.puk.set_default_value(puk);
  context.puk.set_max(puk_tries);
  context.puk.set(puk);
}
}  // namespace

ResponseApdu PivApplet::get_metadata(const CommandApdu& cmd) const {
  if (cmd.p1 != 0x00) return status(sw::kIncorrectP1P2);
  Bytes out;
  if (cmd.p2 == kPinRef || cmd.p2 == kPukRef) {
    const pin::PinReference& ref = cmd.p2 == kPinRef ? context_.pin : context_.puk;
    // A token provisioned without a PUK has no such reference data.
    if (!ref.initialized()) return status(sw::kReferenceNotFound);
    return ResponseApdu::success(reference_metadata(ref));
  }
  if (cmd.p2 == kManagementRef) {
    append_byte_tlv(out, wire::kMetaAlgorithm, static_cast<uint8_t>(management_key_.algorithm()));
    iso7816::append_tlv(out, wire::kMetaPolicy,
                        Bytes{0x00, management_key_.touch_required() ? kTouchAlways : kTouchNever});
    append_byte_tlv(out, wire::kMetaIsDefault, management_key_.is_default() ? 1 : 0);
    return ResponseApdu::success(std::move(out));
  }
  const auto key = find_key_slot(cmd.p2) ? keys_.find(cmd.p2) : keys_.end();
  // Empty slots and references this token lacks (96: no biometrics) answer 6A88, which ykman expects.
  if (key == keys_.end()) return status(sw::kReferenceNotFound);
  const PivKey& k = key->second;
  append_byte_tlv(out, wire::kMetaAlgorithm, static_cast<uint8_t>(k.algorithm()));
  iso7816::append_tlv(out, wire::kMetaPolicy,
                      Bytes{static_cast<uint8_t>(k.policy().pin), static_cast<uint8_t>(k.policy().touch)});
  append_byte_tlv(out, wire::kMetaOrigin, static_cast<uint8_t>(k.origin()));
  iso7816::append_tlv(out, wire::kMetaPublicKey, k.public_key_tlvs());
  return ResponseApdu::success(std::move(out));
}

ResponseApdu PivApplet::set_management_key(const CommandApdu& cmd) {
  // P2 FF: no touch; FE: every authentication with the new key needs a touch.
  if (cmd.p1 != 0xFF || (cmd.p2 != 0xFF && cmd.p2 != 0xFE)) return status(sw::kIncorrectP1P2);
  if (!management_auth_.authenticated()) return status(sw::kSecurityNotSatisfied);
  const ByteView data = cmd.data;
  // <alg> 9B <length> <key>
  if (data.size() < 3 || data[1] != kManagementRef || data[2] != data.size() - 3)
    return status(sw::kIncorrectData);
  const auto alg = algorithm_from_byte(data[0]);
  if (!alg || !management_key_.set(*alg, data.subspan(3), cmd.p2 == 0xFE)) return status(sw::kIncorrectData);
  return ResponseApdu::success();
}

ResponseApdu PivApplet::set_pin_retries(const CommandApdu& cmd) {
  if (!management_auth_.authenticated() || !pin_state_.verified()) return status(sw::kSecurityNotSatisfied);
  if (cmd.p1 == 0 || cmd.p2 == 0) return status(sw::kIncorrectP1P2);
  restore_default_pin_and_puk(context_, cmd.p1, cmd.p2);
  pin_state_.forget();
  return ResponseApdu::success();
}

ResponseApdu PivApplet::reset(const CommandApdu&) {
  // Only a token whose PIN and PUK are both blocked may be wiped (a token without a PUK: its PIN).
  const bool puk_unusable = context_.puk.blocked() || !context_.puk.initialized();
  if (!context_.pin.blocked() || !puk_unusable) return status(sw::kConditionsNotSatisfied);
  std::erase_if(keys_, [](const auto& entry) { return entry.first != kAttestationSlot; });
  // What the factory put there survives: the attestation certificate and the Discovery Object (a reset
  // YubiKey still answers GET DATA 7E).
  DataObjectStore kept;
  for (const uint32_t id : {kAttestationCertObject, kDiscoveryObject})
    if (const Bytes* content = objects_.find(id)) kept.put(id, *content);
  objects_ = std::move(kept);
  management_key_ = ManagementKey();
  restore_default_pin_and_puk(context_, kDefaultRetries, kDefaultRetries);
  context_.policy.force_change = false;
  reset_volatile();
  return ResponseApdu::success();
}

}  // namespace keydesk::card::piv
