// The authenticator's PIN (CTAP 2.1 section 6.5): the stored PIN hash and persistent retry counter, the
// volatile "three consecutive mismatches" block, the key agreement key and the pinUvAuthToken with its
// permissions. Only this class changes the counters, so the retry rules of section 6.5.5 live here.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "card/fido/pin_protocol.h"
#include "core/result.h"
#include "crypto/ec_key.h"
#include "protocol/ctap.h"

namespace keydesk::card::fido {

// pinUvAuthToken permissions (CTAP 2.1 section 6.5.5.7).
enum Permission : uint8_t {
  kPermMakeCredential = 0x01,
  kPermGetAssertion = 0x02,
  kPermCredentialManagement = 0x04,
  kPermBioEnrollment = 0x08,
  kPermLargeBlobWrite = 0x10,
  kPermAuthenticatorConfig = 0x20,
};

class PinState {
 public:
  static constexpr uint8_t kMaxRetries = 8;
  static constexpr uint8_t kMaxConsecutiveMismatches = 3;
  static constexpr size_t kTokenSize = 32;

  bool is_set() const { return !pin_hash_.empty(); }
  uint8_t retries() const { return retries_; }
  // The block that only a power cycle lifts (getPINRetries powerCycleState).
  bool power_cycle_required() const { return mismatches_ >= kMaxConsecutiveMismatches; }
  uint8_t min_length() const { return min_length_; }

  // The current key agreement key, generated on first use after power-up.
  const crypto::EcKey& key_agreement();
  // Compares a decrypted pinHashEnc with the stored PIN hash, spending a retry first (6.5.5.6 steps
  // 4-6): answers kOk, or kPinBlocked / kPinAuthBlocked / kPinInvalid.
  CtapStatus check_pin_hash(PinProtocol p, ByteView shared, ByteView pin_hash_enc);
  // Before a PIN attempt: kPinNotSet, kPinBlocked (no retries) or kPinAuthBlocked (power cycle needed).
  CtapStatus precheck() const;
  // Decrypts and validates a newPinEnc; on success stores the PIN and restores the retries.
  CtapStatus set_from_new_pin_enc(PinProtocol p, ByteView shared, ByteView new_pin_enc);

  // A fresh pinUvAuthToken with these permissions (and RP binding), invalidating the previous one.
  const Bytes& issue_token(uint8_t permissions, std::optional<std::string> rp_id);
  void invalidate_token();
  // Verifies pinUvAuthParam over `message` with the current token, which must carry `permission`
  // and, when it is bound to an RP, be bound to `rp_id` (an unbound token gets bound to it).
  bool verify_token(PinProtocol p, ByteView message, ByteView param, uint8_t permission,
                    std::optional<std::string_view> rp_id);
  // credentialManagement: a token bound to an RP may only be used for that RP's enumeration.
  bool token_bound_to_rp() const { return token_rp_id_.has_value(); }
  const std::optional<std::string>& token_rp_id() const { return token_rp_id_; }

  void reset_volatile();
  // authenticatorReset: no PIN, full retries.
  void clear();

  nlohmann::json save() const;
  Status load(const nlohmann::json& section);

 private:
  void regenerate_key_agreement();

  // persistent
  Bytes pin_hash_;  // LEFT(SHA-256(PIN), 16); empty = no PIN
  uint8_t code_points_ = 0;
  uint8_t retries_ = kMaxRetries;
  uint8_t min_length_ = 4;
  // volatile
  uint8_t mismatches_ = 0;
  std::optional<crypto::EcKey> key_agreement_;
  Bytes token_;
  uint8_t token_permissions_ = 0;
  std::optional<std::string> token_rp_id_;
};

}  // namespace keydesk::card::fido
