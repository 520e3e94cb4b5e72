#include "card/piv/piv_provisioning.h"

#include <cstdio>

#include "crypto/random.h"
#include "crypto/x509.h"
#include "iso7816/tlv.h"

namespace keydesk::card::piv {
namespace {
// The non-federal FASC-N S9999F9999F999999F0F1F0000000000300001E that yubico-piv-tool and ykman write.
const Bytes kFascN = *from_hex("d4e739da739ced39ce739d836858210842108421c84210c3eb");
constexpr const char* kChuidExpiry = "20300101";
// Yubico's attestation extensions (developers.yubico.com, PIV attestation).
constexpr const char* kOidFirmware = "1.3.6.1.4.1.41482.3.3";
constexpr const char* kOidSerial = "1.3.6.1.4.1.41482.3.7";
constexpr const char* kOidPolicy = "1.3.6.1.4.1.41482.3.8";

Bytes der_integer(uint32_t v) {
  Bytes value;
  append_be32(value, v);
  while (value.size() > 1 && value[0] == 0 && value[1] < 0x80) value.erase(value.begin());
  if (value[0] >= 0x80) value.insert(value.begin(), 0x00);
  return iso7816::encode_tlv(0x02, value);
}
}  // namespace

Bytes make_chuid() {
  Bytes out = iso7816::encode_tlv(0x30, kFascN);
  iso7816::append_tlv(out, 0x34, crypto::random_bytes(16));
  iso7816::append_tlv(out, 0x35, bytes_of(kChuidExpiry));
  iso7816::append_tlv(out, 0x3E, {});
  iso7816::append_tlv(out, 0xFE, {});
  return out;
}

Bytes make_ccc() {
  Bytes card_id{0xA0, 0x00, 0x00, 0x01, 0x16, 0xFF, 0x02};
  append(card_id, crypto::random_bytes(14));
  Bytes out = iso7816::encode_tlv(0xF0, card_id);
  const std::pair<uint32_t, Bytes> rest[] = {{0xF1, {0x21}}, {0xF2, {0x21}}, {0xF3, {}}, {0xF4, {0x00}},
                                             {0xF5, {0x10}}, {0xF6, {}},     {0xF7, {}}, {0xFA, {}},
                                             {0xFB, {}},     {0xFC, {}},     {0xFD, {}}, {0xFE, {}}};
  for (const auto& [tag, value] : rest) iso7816::append_tlv(out, tag, value);
  return out;
}

Bytes certificate_object(ByteView cert_der) {
  Bytes out = iso7816::encode_tlv(0x70, cert_der);
  iso7816::append_tlv(out, 0x71, Bytes{0x00});
  iso7816::append_tlv(out, 0xFE, {});
  return out;
}

Bytes certificate_of_object(ByteView object) {
  return iso7816::find_value(object, 0x70).value_or(Bytes{});
}

Result<Bytes> self_signed_certificate(const PivKey& key, const std::string& subject, bool ca) {
  crypto::CertificateSpec spec;
  spec.subject = subject;
  spec.ca = ca;
  return crypto::issue_certificate(spec, key.spki(), key.pkey());
}

Result<Bytes> attestation_certificate(const PivKey& key, uint8_t slot, const PivKey& attestation_key,
                                      ByteView attestation_cert, const CardIdentity& identity) {
  auto issuer = crypto::certificate_subject(attestation_cert);
  if (!issuer) return issuer.error();
  char cn[48];
  std::snprintf(cn, sizeof cn, "CN=YubiKey PIV Attestation %02x", slot);
  crypto::CertificateSpec spec;
  spec.subject = cn;
  spec.issuer = *issuer;
  spec.extra = {
      {kOidFirmware, Bytes(identity.version, identity.version + 3), false},
      {kOidSerial, der_integer(identity.serial), false},
      {kOidPolicy, Bytes{static_cast<uint8_t>(key.policy().pin), static_cast<uint8_t>(key.policy().touch)},
       false},
  };
  return crypto::issue_certificate(spec, key.spki(), attestation_key.pkey());
}

}  // namespace keydesk::card::piv
