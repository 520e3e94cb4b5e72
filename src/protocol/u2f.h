// CTAP1 / FIDO U2F (FIDO U2F Raw Message Formats v1.2, CTAP 2.1 section 10): the instructions, control
// bytes and status words of the request messages, shared by the card's authenticator (card/fido) and the
// NFCCTAP applet's table (protocol/ctap.h).
#pragma once

#include <cstdint>

namespace keydesk::protocol::u2f {

inline constexpr uint8_t kInsRegister = 0x01;
inline constexpr uint8_t kInsAuthenticate = 0x02;
inline constexpr uint8_t kInsVersion = 0x03;

// AUTHENTICATE P1 (control byte).
inline constexpr uint8_t kCheckOnly = 0x07;
inline constexpr uint8_t kEnforcePresence = 0x03;
inline constexpr uint8_t kDontEnforcePresence = 0x08;

// Status words (raw message formats section 3.3).
inline constexpr uint16_t kNoError = 0x9000;
inline constexpr uint16_t kConditionsNotSatisfied = 0x6985;  // test of user presence required
inline constexpr uint16_t kWrongData = 0x6A80;               // bad key handle
inline constexpr uint16_t kWrongLength = 0x6700;
inline constexpr uint16_t kIncorrectP1P2 = 0x6A86;
inline constexpr uint16_t kClaNotSupported = 0x6E00;
inline constexpr uint16_t kInsNotSupported = 0x6D00;

}  // namespace keydesk::protocol::u2f
