// Private-key commands of the PIV applet: GENERAL AUTHENTICATE (management key, sign/decrypt, ECDH),
// GENERATE ASYMMETRIC KEY PAIR, Yubico IMPORT KEY and ATTEST.
#include "card/piv/piv_applet.h"
#include "card/piv/piv_provisioning.h"
#include "iso7816/tlv.h"

namespace keydesk::card::piv {
namespace sw = iso7816::sw;
using iso7816::StatusWord;
using iso7816::Tlv;

namespace {
using protocol::piv::kTagAlgorithm;
using protocol::piv::kTagChallenge;
using protocol::piv::kTagControlTemplate;
using protocol::piv::kTagDynamicAuth;
using protocol::piv::kTagExponentiation;
using protocol::piv::kTagPinPolicy;
using protocol::piv::kTagPublicKey;
using protocol::piv::kTagResponse;
using protocol::piv::kTagTouchPolicy;

ResponseApdu status(StatusWord s) {
  return ResponseApdu::status(s);
}

// The optional AA / AB policy bytes of GENERATE (inside AC) and IMPORT KEY; nullopt if one is malformed.
std::optional<KeyPolicy> requested_policy(const std::vector<Tlv>& tlvs) {
  KeyPolicy policy;
  if (const Tlv* t = iso7816::find_tlv(tlvs, kTagPinPolicy)) {
    const auto p = t->value.size() == 1 ? pin_policy_from_byte(t->value[0]) : std::nullopt;
    if (!p) return std::nullopt;
    policy.pin = *p;
  }
  if (const Tlv* t = iso7816::find_tlv(tlvs, kTagTouchPolicy)) {
    const auto p = t->value.size() == 1 ? touch_policy_from_byte(t->value[0]) : std::nullopt;
    if (!p) return std::nullopt;
    policy.touch = *p;
  }
  return policy;
}

std::optional<std::vector<Tlv>> template_items(ByteView data, uint32_t tag) {
  auto outer = iso7816::parse_tlvs(data);
  if (!outer || outer->size() != 1 || (*outer)[0].tag != tag) return std::nullopt;
  auto inner = iso7816::parse_tlvs((*outer)[0].value);
  if (!inner) return std::nullopt;
  return std::move(inner).value();
}
}  // namespace

ResponseApdu PivApplet::general_authenticate(const CommandApdu& cmd) {
  if (cmd.p2 == kManagementRef) return management_auth_.authenticate(cmd);
  if (!find_key_slot(cmd.p2)) return status(sw::kReferenceNotFound);
  const auto it = keys_.find(cmd.p2);
  // ykman's key check reads 6A80 as "no key in this slot"; a wrong algorithm is the same refusal.
  if (it == keys_.end() || static_cast<uint8_t>(it->second.algorithm()) != cmd.p1)
    return status(sw::kIncorrectData);
  const PivKey& key = it->second;

  // 7C { 82 00, 81 <hash or block> } signs or decrypts; 7C { 82 00, 85 <point> } is ECDH.
  const auto items = template_items(cmd.data, kTagDynamicAuth);
  if (!items || items->size() != 2) return status(sw::kIncorrectData);
  const Tlv* response = iso7816::find_tlv(*items, kTagResponse);
  const Tlv* challenge = iso7816::find_tlv(*items, kTagChallenge);
  const Tlv* point = iso7816::find_tlv(*items, kTagExponentiation);
  if (!response || !response->value.empty() || (challenge == nullptr) == (point == nullptr))
    return status(sw::kIncorrectData);
  if (challenge && !key.accepts_input(challenge->value.size())) return status(sw::kIncorrectData);

  if (const StatusWord s = authorize_use(key); !s.ok()) return status(s);
  auto result = challenge ? key.private_operation(challenge->value) : key.ecdh(point->value);
  if (!result)
    return status(result.error().kind == ErrorKind::kUsage ? sw::kIncorrectData : sw::kNoDiagnosis);
  Bytes out = iso7816::encode_tlv(kTagDynamicAuth, iso7816::encode_tlv(kTagResponse, *result));
  wipe(*result);
  return ResponseApdu::success(std::move(out));
}

ResponseApdu PivApplet::generate_key(const CommandApdu& cmd) {
  if (cmd.p1 != 0x00) return status(sw::kIncorrectP1P2);
  const auto slot = find_key_slot(cmd.p2);
  if (!slot) return status(sw::kReferenceNotFound);
  if (!management_auth_.authenticated()) return status(sw::kSecurityNotSatisfied);
  // AC { 80 <alg> [AA <pin policy>] [AB <touch policy>] }
  const auto items = template_items(cmd.data, kTagControlTemplate);
  if (!items) return status(sw::kIncorrectData);
  const Tlv* alg_tlv = iso7816::find_tlv(*items, kTagAlgorithm);
  const auto policy = requested_policy(*items);
  if (!alg_tlv || alg_tlv->value.size() != 1 || !policy) return status(sw::kIncorrectData);
  const auto alg = algorithm_from_byte(alg_tlv->value[0]).value_or(Algorithm::kTdes);
  if (is_symmetric(alg)) return status(sw::kIncorrectData);
  auto key = PivKey::generate(alg, resolve_policy(*policy, *slot));
  if (!key) return status(sw::kNoDiagnosis);
  // EC public keys fit a one-byte 7F49 length, which yubico-piv-tool 2.2.0 relies on.
  Bytes out = iso7816::encode_tlv(kTagPublicKey, key->public_key_tlvs());
  keys_.insert_or_assign(slot->ref, std::move(key).value());
  return ResponseApdu::success(std::move(out));
}

ResponseApdu PivApplet::import_key(const CommandApdu& cmd) {
  const auto alg = algorithm_from_byte(cmd.p1);
  if (!alg || is_symmetric(*alg)) return status(sw::kIncorrectP1P2);
  const auto slot = find_key_slot(cmd.p2);
  if (!slot) return status(sw::kReferenceNotFound);
  if (!management_auth_.authenticated()) return status(sw::kSecurityNotSatisfied);
  auto items = iso7816::parse_tlvs(cmd.data);
  if (!items) return status(sw::kIncorrectData);
  const auto policy = requested_policy(*items);
  if (!policy) return status(sw::kIncorrectData);
  const auto value = [&](uint32_t tag) -> const Bytes* {
    const Tlv* t = iso7816::find_tlv(*items, tag);
    return t && !t->value.empty() ? &t->value : nullptr;
  };
  Result<PivKey> key = Error::make(ErrorKind::kUsage, "missing key parts");
  if (is_ec(*alg)) {
    if (const Bytes* scalar = value(0x06))
      key = PivKey::import_ec(*alg, *scalar, resolve_policy(*policy, *slot));
  } else if (value(0x01) && value(0x02) && value(0x03) && value(0x04) && value(0x05)) {
    crypto::RsaCrtParts parts{*value(0x01), *value(0x02), *value(0x03), *value(0x04), *value(0x05)};
    key = PivKey::import_rsa(*alg, parts, resolve_policy(*policy, *slot));
    for (Bytes* part : {&parts.p, &parts.q, &parts.dp, &parts.dq, &parts.qinv}) wipe(*part);
  }
  for (auto& t : *items) wipe(t.value);
  if (!key) return status(sw::kIncorrectData);
  keys_.insert_or_assign(slot->ref, std::move(key).value());
  return ResponseApdu::success();
}

ResponseApdu PivApplet::attest(const CommandApdu& cmd) {
  const auto slot = find_key_slot(cmd.p1);
  if (!slot || slot->ref == kAttestationSlot) return status(sw::kReferenceNotFound);
  if (cmd.p2 != 0x00) return status(sw::kIncorrectP1P2);
  const auto it = keys_.find(slot->ref);
  if (it == keys_.end()) return status(sw::kReferenceNotFound);
  // Only a key born on the card can be vouched for.
  if (it->second.origin() != KeyOrigin::kGenerated) return status(sw::kIncorrectData);
  const auto attestation_key = keys_.find(kAttestationSlot);
  const Bytes* attestation_object = objects_.find(kAttestationCertObject);
  if (attestation_key == keys_.end() || !attestation_object) return status(sw::kReferenceNotFound);
  auto cert = attestation_certificate(it->second, slot->ref, attestation_key->second,
                                      certificate_of_object(*attestation_object), context_.identity);
  if (!cert) return status(sw::kNoDiagnosis);
  return ResponseApdu::success(std::move(cert).value());
}

}  // namespace keydesk::card::piv
