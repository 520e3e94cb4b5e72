// The ACA's external-authentication (XAUTH) admin key: challenge-response with a block cipher, the
// cryptogram being E_K(challenge) in ECB over the one challenge block (docs/aca-protocol.md section 6).
// A help desk that holds only the key can answer a challenge the user reads out over the phone (offline
// unblock).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "card/pin/pin_reference.h"
#include "core/bytes.h"
#include "core/result.h"
#include "crypto/algorithm_ids.h"
#include "crypto/cipher.h"

namespace keydesk::card::aca {

enum class ChallengeType : uint8_t {
  kStatic = 0x01,   // the same challenge until the key is re-initialized (legacy cryptogram sheets)
  kDynamic = 0x02,  // a fresh random challenge for every GET CHALLENGE
};

class XauthKey {
 public:
  ~XauthKey() { clear(); }

  bool initialized() const { return !key_.empty(); }
  bool blocked() const { return initialized() && remaining_ == 0; }
  crypto::BlockCipher cipher() const { return cipher_; }
  ChallengeType challenge_type() const { return challenge_type_; }
  uint8_t remaining() const { return remaining_; }
  uint8_t max_tries() const { return max_tries_; }

  // Installs a key (size already checked against the cipher) and restores the try counter.
  void install(crypto::BlockCipher cipher, ByteView key, ChallengeType type);
  void set_challenge_type(ChallengeType type);
  void set_max_tries(uint8_t max);
  void clear();

  // Issues the challenge that the next authenticate() consumes; nullopt without a usable key.
  std::optional<Bytes> issue_challenge();
  // Consumes the pending challenge whatever the outcome; a wrong cryptogram spends a try. nullopt when no
  // challenge is pending (nothing spent); a blocked key answers kBlocked first.
  std::optional<pin::VerifyOutcome> authenticate(ByteView cryptogram);
  void forget_challenge() { pending_.clear(); }

  nlohmann::json save() const;
  Status load(const nlohmann::json& j);

 private:
  crypto::BlockCipher cipher_ = crypto::BlockCipher::kAes128;
  Bytes key_;
  ChallengeType challenge_type_ = ChallengeType::kDynamic;
  Bytes static_challenge_;
  uint8_t max_tries_ = 5;
  uint8_t remaining_ = 5;
  Bytes pending_;  // volatile
};

}  // namespace keydesk::card::aca
