// The offline PIN unblock by XAUTH challenge-response (docs/recovery.md, docs/aca-protocol.md section 9).
//
// User's side, on the token, in ONE card session (the challenge dies with it):
//   begin_xauth_unblock   reads the ACA's properties (spends nothing), checks the new PIN against the
//                         token's policy and the XAUTH counter against the retry interlock, then GET
//                         CHALLENGE. Nothing else may be sent to the token until finish_xauth_unblock.
//   finish_xauth_unblock  EXTERNAL AUTHENTICATE with the help desk's cryptogram (the one XAUTH attempt,
//                         never repeated), UNBLOCK PIN with the new PIN, the counters read again, and the
//                         XAUTH authentication ended so no other program inherits it.
// Help desk's side (no token): which admin key answers the challenge (the record's key check value
// decides), and the cryptogram E_K(challenge).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "core/secure_bytes.h"
#include "crypto/cipher.h"
#include "host/apdu_connection.h"
#include "iso7816/cuid.h"
#include "runbook/pin_operations.h"

namespace keydesk::recovery {

struct XauthChallenge {
  Bytes challenge;  // one cipher block: 8 bytes (3DES) or 16 (AES)
  crypto::BlockCipher cipher = crypto::BlockCipher::kAes128;
  // The token's challenge type is Static: the same block every time, so a cryptogram once computed for
  // it unblocks the PIN again whenever replayed (docs/aca-protocol.md 3.5).
  bool replayable = false;
  std::optional<int> xauth_before, xauth_max, pin_before, pin_max;
};

// The record key of the token on the connection: its CUID from the CPLC, else (a YubiKey's PIV has no
// CPLC) its PIV device serial mapped as the store maps it (store::cuid_from_device_serial). Spends nothing.
Result<iso7816::Cuid> token_record_cuid(host::ApduConnection& c);

Result<XauthChallenge> begin_xauth_unblock(host::ApduConnection& c, std::string_view new_pin, bool force);

struct XauthUnblockReport {
  runbook::AttemptOutcome outcome = runbook::AttemptOutcome::kOk;
  uint16_t status_word = 0x9000;  // of EXTERNAL AUTHENTICATE
  bool pin_unblocked = false;
  std::optional<int> xauth_before, xauth_after, xauth_max, pin_before, pin_after, pin_max;
  bool xauth_ended = false;  // the XAUTH authentication was ended afterwards (a GET CHALLENGE)
  std::string next_step;     // empty when none is needed
};

// kTokenReset (nothing spent) when the token no longer holds the challenge: its card session ended
// (pulled out, reset, or another applet selected) between the two halves.
Result<XauthUnblockReport> finish_xauth_unblock(host::ApduConnection& c, const XauthChallenge& pending,
                                                ByteView cryptogram, std::string_view new_pin);

// After a PUK unblock, where the record's policy wants the holder to change the PIN at first use: XAUTH
// with the admin key (GET CHALLENGE, EXTERNAL AUTHENTICATE: one XAUTH attempt) and SET PROPERTIES
// ForcePinChange = 1, then the XAUTH authentication ended. The key's algorithm is the token's.
Status set_force_pin_change(host::ApduConnection& c, ByteView admin_key);

// --- the help desk's side (pure) ---

struct AdminKey {
  crypto::BlockCipher cipher;
  SecureBytes key;
};

// First 3 bytes of E_K(0^blocksize), upper-case hex (docs/provisioning.md: the record's admin key check).
Result<std::string> admin_key_check_value(const AdminKey& key);

// The one candidate whose block size is `block_length` and whose key check value is `check_on_record`:
// kRefused when the record has no check value (the key cannot be confirmed, and a wrong cryptogram would
// cost the user an XAUTH try) or no candidate matches (the key on record is not this token's).
Result<AdminKey> choose_admin_key(std::vector<AdminKey> candidates, size_t block_length,
                                  std::string_view check_on_record);

// The response the token expects: E_K(challenge), one block, ECB (docs/aca-protocol.md 3.5).
Result<Bytes> xauth_response(const AdminKey& key, ByteView challenge);

// The admin key's algorithms a challenge of `block_length` bytes may come from: 8 -> 3DES; 16 -> AES-128,
// -192, -256. Empty for any other length.
std::vector<crypto::BlockCipher> ciphers_for_block(size_t block_length);

}  // namespace keydesk::recovery
