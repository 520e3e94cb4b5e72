// COSE_Key for EC2 P-256 public keys (RFC 8152 section 13.1.1), as CTAP uses them for credential keys
// (alg ES256 = -7; Ed25519 keys are OKP keys, alg EdDSA = -8) and for the PIN protocols' key agreement (alg
// ECDH-ES+HKDF-256 = -25).
#pragma once

#include <optional>

#include "cbor/cbor.h"

namespace keydesk::card::fido {

inline constexpr int64_t kCoseAlgEs256 = -7;
inline constexpr int64_t kCoseAlgEdDsa = -8;
inline constexpr int64_t kCoseAlgEcdhEsHkdf256 = -25;

// {1: 2, 3: alg, -1: 1, -2: x, -3: y} from an uncompressed point 04 || X || Y.
cbor::Value cose_ec2_key(ByteView uncompressed_point, int64_t alg);
// {1: 1 (OKP), 3: -8 (EdDSA), -1: 6 (Ed25519), -2: x} (RFC 8152 section 13.2, RFC 8037).
cbor::Value cose_okp_ed25519_key(ByteView public_key);
// The uncompressed point of a P-256 EC2 COSE_Key; nullopt when the map is not one.
std::optional<Bytes> point_from_cose(const cbor::Value& key);

}  // namespace keydesk::card::fido
