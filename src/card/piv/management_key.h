// The PIV card administration key (9B): the persistent key and the volatile mutual / single
// authentication exchange that ykman and yubico-piv-tool run with GENERAL AUTHENTICATE.
#pragma once

#include <optional>

#include "card/applet.h"
#include "card/card_context.h"
#include "card/piv/piv_defs.h"
#include "crypto/cipher.h"

namespace keydesk::card::piv {

// 01 02 .. 08 three times: the factory management key of every YubiKey.
const Bytes& default_management_key();

class ManagementKey {
 public:
  ManagementKey();  // the factory key (3DES, no touch)
  ManagementKey(const ManagementKey&) = default;
  ManagementKey& operator=(const ManagementKey&) = default;
  ~ManagementKey() { wipe(key_); }

  Algorithm algorithm() const { return algorithm_; }
  crypto::BlockCipher cipher() const;
  const Bytes& key() const { return key_; }
  bool touch_required() const { return touch_; }
  bool is_default() const { return is_default_; }
  // Accepts a key of the algorithm's size; false for a wrong size or a non-symmetric algorithm.
  bool set(Algorithm alg, ByteView key, bool touch);

  json save() const;
  Status load(const json& j);

 private:
  Algorithm algorithm_ = Algorithm::kTdes;
  Bytes key_;
  bool touch_ = false;
  bool is_default_ = true;
};

// GENERAL AUTHENTICATE with key reference 9B. Step one hands out a witness (mutual) or a challenge (single);
// step two must come next: any other command, a failed attempt or a new SELECT forgets the pending value.
class ManagementAuth {
 public:
  ManagementAuth(const ManagementKey& key, CardContext& context) : key_(key), context_(context) {}
  ~ManagementAuth() { forget(); }

  // P1 = algorithm, P2 = 9B, data = the 7C template.
  ResponseApdu authenticate(const CommandApdu& cmd);
  bool authenticated() const { return authenticated_; }
  void forget_pending();
  void forget();

 private:
  ResponseApdu issue_witness();
  ResponseApdu issue_challenge();
  ResponseApdu answer_mutual(ByteView witness, ByteView host_challenge);
  ResponseApdu check_single(ByteView response);
  size_t block() const;

  const ManagementKey& key_;
  CardContext& context_;
  Bytes pending_witness_;    // mutual: the plaintext witness the host must return
  Bytes pending_challenge_;  // single: the challenge the host must encrypt
  bool authenticated_ = false;
};

}  // namespace keydesk::card::piv
