// Host side of keydesk's access-control applet (docs/aca-protocol.md). Wrong PINs, blocked references and
// refused cryptograms are outcomes (values); only transport failures and unexpected status words are errors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "crypto/cipher.h"
#include "host/apdu_connection.h"
#include "host/verify_result.h"

namespace keydesk::host::aca {

enum class XauthChallengeType : uint8_t { kNone = 0, kStatic = 1, kDynamic = 2 };

struct AcaProperties {
  int pin_tries = 0;
  int pin_max_tries = 0;
  int puk_tries = 0;
  int puk_max_tries = 0;
  bool puk_initialized = false;
  bool xauth_initialized = false;
  XauthChallengeType xauth_challenge_type = XauthChallengeType::kNone;
  std::optional<crypto::BlockCipher> xauth_algorithm;
  int xauth_tries = 0;
  int xauth_max_tries = 0;
  int min_pin_length = 0;
  int max_pin_length = 0;
  bool pin_shared_with_fido = false;
  bool force_pin_change = false;
  bool pin_is_initial = false;  // the PIN still has its provisioning value
};

// Administrative changes (SET PROPERTIES); unset fields stay as they are.
struct AcaPolicyChange {
  std::optional<bool> force_pin_change;
  std::optional<uint8_t> min_pin_length;
  std::optional<uint8_t> max_pin_length;
  std::optional<uint8_t> pin_max_tries;
  std::optional<uint8_t> puk_max_tries;
  std::optional<uint8_t> xauth_max_tries;
  std::optional<XauthChallengeType> xauth_challenge_type;
};

class AcaSession {
 public:
  static const Bytes& aid();

  explicit AcaSession(ApduConnection& connection) : connection_(connection) {}

  Status select();
  // Reads every property; spends nothing.
  Result<AcaProperties> properties();

  Result<VerifyResult> verify_pin(std::string_view pin);
  // Empty VERIFY: the PIN's state in this session without spending a try.
  Result<VerifyResult> pin_status();
  // VERIFY with P1 = FF: ends the PIN-verified state of this card session (docs/aca-protocol.md 3.1).
  Status logout();
  Result<VerifyResult> change_pin(std::string_view old_pin, std::string_view new_pin);
  // Sets the PUK (the runbook's puk-put); needs the PIN verified in this session or XAUTH.
  Status puk_put(std::string_view puk);
  Result<VerifyResult> unblock_with_puk(std::string_view puk, std::string_view new_pin);

  // XAUTH: the challenge to hand to whoever holds the admin key, then their cryptogram.
  Result<Bytes> xauth_challenge();
  Result<VerifyResult> xauth_authenticate(ByteView cryptogram);
  // What the admin-key holder answers: protocol::aca::xauth_cryptogram().
  // Sets a new PIN without the PUK after xauth_authenticate() succeeded in this card session.
  Status unblock_with_xauth(std::string_view new_pin);
  Status set_policy(const AcaPolicyChange& change);
  Status put_xauth_key(crypto::BlockCipher cipher, ByteView key, XauthChallengeType type);

 private:
  Result<VerifyResult> send_verification(const CommandApdu& cmd, const char* context);

  ApduConnection& connection_;
};

}  // namespace keydesk::host::aca
