// Contents a PIV token is provisioned with: the CHUID and CCC as yubico-piv-tool and ykman write them,
// certificate objects, self-signed certificates and the attestation certificates of ATTEST (F9).
#pragma once

#include <string>

#include "card/card_context.h"
#include "card/piv/piv_key.h"

namespace keydesk::card::piv {

// 30 FASC-N(non-federal) 34 GUID 35 "20300101" 3E 00 FE 00, with a random 16-byte GUID.
Bytes make_chuid();
// The GSC-IS CCC template yubico-piv-tool writes, with a random 14-byte card id.
Bytes make_ccc();
// 70 cert 71 00 FE 00 (uncompressed).
Bytes certificate_object(ByteView cert_der);
// The DER certificate inside a certificate object; empty if the object is malformed.
Bytes certificate_of_object(ByteView object);

Result<Bytes> self_signed_certificate(const PivKey& key, const std::string& subject, bool ca = false);
// What ATTEST answers: a certificate for `key` in `slot`, issued by the attestation key whose certificate
// is `attestation_cert`, with Yubico's extensions (firmware version, serial, PIN and touch policy).
Result<Bytes> attestation_certificate(const PivKey& key, uint8_t slot, const PivKey& attestation_key,
                                      ByteView attestation_cert, const CardIdentity& identity);

}  // namespace keydesk::card::piv
