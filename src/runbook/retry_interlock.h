// The retry interlock: before a PIN, PUK or FIDO PIN attempt, decide from counters read without spending
// whether the attempt is safe, and check the candidate against the token's PIN policy locally, so a
// malformed PIN never reaches the card or the key. Pure functions.
#pragma once

#include <optional>
#include <string_view>

#include "core/result.h"

namespace keydesk::runbook {

// Retries left at or below which one more wrong attempt could leave no way back: 2, or 3 when neither a
// PUK nor an XAUTH unblock path exists (a blocked PIN would then mean a destructive reset).
int attempt_floor(bool unblock_path_exists);

// ok, or kRefused saying why and that --force overrides. An unknown counter (the token cannot tell
// without spending) is refused too: the interlock never guesses.
Status check_attempt(std::string_view what, std::optional<int> remaining, bool unblock_path_exists,
                     bool force);

struct PinRule {
  int min_length = 6;
  int max_length = 8;
  bool digits_only = false;
};
// Length in bytes, printable ASCII only (a PIN typed on one keyboard layout must verify on another),
// digits only where the token's policy says so. ok or kUsage.
Status check_pin_format(std::string_view what, std::string_view pin, const PinRule& rule);

// The rule every card PIN and PUK keydesk knows must meet, whatever the token's own policy: printable
// ASCII, a PIN of 4..8 bytes (the open ACA allows MinPinLength 4..8, PIV 6..8), a PUK of 6..8. A secret
// that breaks it can never be right, so it is refused before the token is even opened (docs/cli.md).
enum class CardSecret { kPin, kNewPin, kPuk, kCurrentPuk };
Status check_card_secret(CardSecret which, std::string_view value);

// FIDO: no PUK ever exists, so the interlock's floor is the stricter one (3).
Status check_fido_attempt(std::optional<int> retries, bool force);

// CTAP 2.1 (authenticatorClientPIN, setPIN): a PIN is UTF-8 of at least 4 Unicode code points - or the
// key's minPINLength from getInfo, for a new PIN - and at most 63 bytes. A PIN outside these bounds can
// never be right, so it is kUsage before anything is sent. A current PIN is held to the CTAP minimum only
// (a key may raise its minimum after a PIN was set). `which` names the PIN in the message.
inline constexpr size_t kCtapMinPinCodePoints = 4, kCtapMaxPinBytes = 63;
Status check_fido_pin_format(std::string_view pin, size_t min_code_points, std::string_view which);
// The key's own minimum for a new PIN (getInfo minPINLength, 0 when it reports none), never below CTAP's.
size_t fido_new_pin_minimum(uint64_t key_min_pin_length);

}  // namespace keydesk::runbook
