// The one rule for presenting a PIN, a PUK or a key's cryptogram to a reference with a retry counter, and
// the status word that answers it, for every applet that has one (PIV, YKOATH's card PIN, the ACA and its
// XAUTH key): right 9000; wrong 63Cx with x tries left; the attempt that spends the last try 63C0 (as a
// YubiKey answers, SP 800-73-4 Part 2 section 3.2.1); any attempt on a blocked reference 6983.
#pragma once

#include <optional>

#include "card/pin/pin_reference.h"
#include "iso7816/status_word.h"

namespace keydesk::card::pin {

// The status word of an attempt. `was_blocked`: the reference was blocked before this attempt;
// `remaining`: tries left after it; `not_initialized`: what a missing reference answers (6984 unless the
// protocol says otherwise).
iso7816::StatusWord status_word(VerifyOutcome outcome, bool was_blocked, uint8_t remaining,
                                iso7816::StatusWord not_initialized = iso7816::sw::kDataInvalid);

// The answer to a VERIFY without data, which asks for the state and spends nothing (SP 800-73-4 Part 2
// section 3.2.1): 9000 when `verified` in this session, 63Cx with x tries left, 6983 when blocked, and
// `not_initialized` for a missing reference.
iso7816::StatusWord status_query(const PinReference& ref, bool verified,
                                 iso7816::StatusWord not_initialized = iso7816::sw::kDataInvalid);

// Presents `candidate` to `ref` (a wrong one spends a try) and answers with status_word().
iso7816::StatusWord present(PinReference& ref, ByteView candidate,
                            iso7816::StatusWord not_initialized = iso7816::sw::kDataInvalid);

// The PIV encoding right-pads a PIN or PUK with FF to 8 bytes: the value without that padding (all FF is
// the empty value, which is simply wrong).
Bytes strip_padding(ByteView field);
// strip_padding() for applets that take the PIN in a data object: nullopt if the result is outside 1..16
// bytes (a malformed PIN field, refused before anything is spent).
std::optional<Bytes> unpad_pin(ByteView field);

}  // namespace keydesk::card::pin
