// The YKOATH access key ("password"): SET CODE and VALIDATE. The host derives the key with
// PBKDF2-HMAC-SHA1(password, salt, 1000, 16); the card only ever sees the key and proves possession with
// HMAC challenge-response. Until VALIDATE succeeds in a selection, protected instructions answer 6982.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "core/bytes.h"
#include "core/result.h"
#include "crypto/digest.h"
#include "iso7816/apdu.h"

namespace keydesk::card::oath {

class OathAccessKey {
 public:
  ~OathAccessKey() { clear(); }

  bool is_set() const { return key_.has_value(); }
  // True when no key is set or VALIDATE succeeded since the last SELECT.
  bool unlocked() const { return !is_set() || validated_; }
  // A new selection: forget validation, draw the challenge announced in the SELECT response.
  void begin_session();
  void end_session();
  // SELECT response items while a key is set: 74 <challenge> 7B <algorithm>.
  void append_select_items(Bytes& out) const;

  iso7816::ResponseApdu set_code(ByteView data);
  iso7816::ResponseApdu validate(ByteView data);
  void clear();

  nlohmann::json save() const;
  Status load(const nlohmann::json& j);

 private:
  struct Key {
    Bytes value;
    crypto::HashAlg hash = crypto::HashAlg::kSha1;
  };
  std::optional<Key> key_;
  bool validated_ = false;
  Bytes challenge_;  // from SELECT, single use
};

}  // namespace keydesk::card::oath
