// Packed batch attestation (WebAuthn section 8.2): a per-profile attestation key and certificate,
// generated when the token is seeded (unless the profile brings them) and kept in the state file.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cbor/cbor.h"
#include "core/result.h"
#include "crypto/ec_key.h"

namespace keydesk::card::fido {

class BatchAttestation {
 public:
  // attStmt {alg: -7, sig: ECDSA(authData || clientDataHash), x5c: [certificate]}.
  Result<cbor::Value> packed_statement(ByteView auth_data, ByteView client_data_hash) const;
  const Bytes& certificate() const { return certificate_; }
  // ECDSA-SHA256 (DER) with the batch key: U2F REGISTER's attestation signature (FIDO U2F raw
  // message formats section 4.3).
  Result<Bytes> sign(ByteView message) const;

  nlohmann::json save() const;
  // Loads {key, certificate}, or generates both for `aaguid` with the profile's `subject`.
  Status load(const nlohmann::json& section, ByteView aaguid);

 private:
  std::optional<crypto::EcKey> key_;
  Bytes certificate_;
};

}  // namespace keydesk::card::fido
