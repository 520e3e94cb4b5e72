// Host side of PIV (SP 800-73-4 + Yubico extensions), kept as small as yubikit's PivSession. Wrong PINs
// and blocked references are outcomes (VerifyResult); only transport failures and status words the
// caller cannot act on are errors. PINs and PUKs are taken by value and wiped after use.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "crypto/cipher.h"
#include "host/apdu_connection.h"
#include "host/verify_result.h"
#include "protocol/piv.h"

namespace keydesk::host::piv {

struct PivReferenceMetadata {
  std::optional<uint8_t> algorithm;  // tag 01: FF for PIN/PUK, the management key's cipher id for 9B
  int max_retries = -1;              // tag 06 (PIN, PUK)
  int remaining = -1;
  bool is_default = false;  // tag 05: still the factory value
};

using protocol::piv::Algorithm;

class PivSession {
 public:
  static const Bytes& aid();
  explicit PivSession(ApduConnection& connection) : connection_(connection) {}

  Status select();
  Result<std::array<uint8_t, 3>> version();
  Result<uint32_t> serial();

  // Empty VERIFY: the PIN's state without spending a try.
  Result<VerifyResult> pin_status();
  Result<VerifyResult> verify_pin(Bytes pin);
  // VERIFY with P1 = FF: resets the PIN's security status (SP 800-73-4 Part 2 section 3.2.1).
  Status logout();
  Result<VerifyResult> change_pin(Bytes current, Bytes next);
  Result<VerifyResult> change_puk(Bytes current, Bytes next);
  // RESET RETRY COUNTER: the PUK sets a new PIN and restores its tries.
  Result<VerifyResult> unblock_pin(Bytes puk, Bytes new_pin);
  // GET METADATA for 80 (PIN), 81 (PUK) or 9B (management key); nullopt where the token cannot tell.
  Result<std::optional<PivReferenceMetadata>> metadata(uint8_t reference);
  // Mutual authentication with the management key; fails with 6982 if the card refuses it, and with
  // kRefused if the card's answer proves it does not hold the same key.
  Status authenticate(crypto::BlockCipher cipher, ByteView key);

  // GET DATA; nullopt when the object is empty (6A82).
  Result<std::optional<Bytes>> read_object(uint32_t object_id);
  Result<std::optional<Bytes>> chuid();
  Result<std::optional<Bytes>> guid();                     // the CHUID's 16-byte card UUID
  Result<std::optional<Bytes>> certificate(uint8_t slot);  // DER
  // GENERATE ASYMMETRIC KEY PAIR (needs the management key): the 7F49 public-key data objects.
  Result<Bytes> generate_key(uint8_t slot, Algorithm algorithm);
  // GENERAL AUTHENTICATE: ECDSA over a hash, or raw RSA over one padded block.
  Result<Bytes> sign(uint8_t slot, Algorithm algorithm, ByteView input);

 private:
  Result<VerifyResult> present(uint8_t ins, uint8_t reference, Bytes first, Bytes second,
                               const char* context);

  ApduConnection& connection_;
};

}  // namespace keydesk::host::piv
