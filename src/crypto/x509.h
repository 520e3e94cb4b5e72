// Minimal X.509 issuing for the simulated token: PIV attestation (F9) and FIDO batch attestation
// certificates, and the one-line subject keydesk prints.
#pragma once

#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace keydesk::crypto {

struct X509Extension {
  std::string oid;   // dotted text, e.g. "1.3.6.1.4.1.45724.1.1.4" (FIDO AAGUID)
  Bytes der_value;   // the extension value (contents of the OCTET STRING)
  bool critical = false;
};

struct CertificateSpec {
  std::string subject;  // "C=US,O=keydesk,OU=Authenticator Attestation,CN=keydesk-sim FIDO"
  std::string issuer;   // empty = same as subject (self-signed)
  Bytes serial;         // empty = 16 random bytes
  int valid_days = 3650;
  bool ca = false;
  std::vector<X509Extension> extra;
};

// Issues a DER certificate for the public key `subject_spki_der`, signed with SHA-256 by `issuer_key`.
Result<Bytes> issue_certificate(const CertificateSpec& spec, ByteView subject_spki_der, EVP_PKEY* issuer_key);
// "CN=...,O=...": the subject in one line (RFC 2253 order).
Result<std::string> certificate_subject(ByteView cert_der);
// DER SubjectPublicKeyInfo of the certificate's key.
Result<Bytes> certificate_spki(ByteView cert_der);

}  // namespace keydesk::crypto
