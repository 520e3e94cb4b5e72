#include "card/fido/attestation.h"

#include "card/fido/cose.h"
#include "crypto/digest.h"
#include "crypto/x509.h"

namespace keydesk::card::fido {
namespace {
// id-fido-gen-ce-aaguid: certificates of batch keys name the AAGUID they attest (WebAuthn 8.2.1).
constexpr const char* kAaguidExtensionOid = "1.3.6.1.4.1.45724.1.1.4";
constexpr const char* kDefaultSubject =
    "C=US,O=keydesk,OU=Authenticator Attestation,CN=keydesk-sim FIDO batch";
}  // namespace

Result<cbor::Value> BatchAttestation::packed_statement(ByteView auth_data, ByteView client_data_hash) const {
  Bytes signed_data(auth_data.begin(), auth_data.end());
  append(signed_data, client_data_hash);
  auto sig = key_->sign_digest(crypto::hash(crypto::HashAlg::kSha256, signed_data));
  if (!sig) return sig.error();
  return cbor::Value(cbor::Map{{"alg", kCoseAlgEs256},
                               {"sig", std::move(sig).value()},
                               {"x5c", cbor::Array{cbor::Value(certificate_)}}});
}

Result<Bytes> BatchAttestation::sign(ByteView message) const {
  return key_->sign_digest(crypto::hash(crypto::HashAlg::kSha256, message));
}

nlohmann::json BatchAttestation::save() const {
  return {{"key", to_hex(key_->pkcs8())}, {"certificate", to_hex(certificate_)}};
}

Status BatchAttestation::load(const nlohmann::json& j, ByteView aaguid) {
  if (j.contains("key") && j.contains("certificate")) {
    auto der = from_hex(j["key"].get<std::string>());
    auto cert = from_hex(j["certificate"].get<std::string>());
    if (!der || !cert) return Error::make(ErrorKind::kMalformed, "fido.attestation");
    auto key = crypto::EcKey::from_pkcs8(*der);
    wipe(*der);
    if (!key) return key.error();
    key_ = std::move(key).value();
    certificate_ = *cert;
    return {};
  }
  key_ = crypto::EcKey::generate(crypto::Curve::kP256);
  crypto::CertificateSpec spec;
  spec.subject = j.value("subject", kDefaultSubject);
  Bytes aaguid_octets{0x04, static_cast<uint8_t>(aaguid.size())};
  append(aaguid_octets, aaguid);
  spec.extra.push_back({kAaguidExtensionOid, aaguid_octets, false});
  auto cert = crypto::issue_certificate(spec, key_->spki(), key_->pkey());
  if (!cert) return cert.error();
  certificate_ = std::move(cert).value();
  return {};
}

}  // namespace keydesk::card::fido
