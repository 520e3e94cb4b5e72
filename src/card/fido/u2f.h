// CTAP1 / FIDO U2F (FIDO U2F raw message formats v1.2): the request message of CTAPHID_MSG (an APDU,
// normally in extended-length form) parsed leniently enough for every encoding clients send.
#pragma once

#include <optional>

#include "core/bytes.h"

namespace keydesk::card::fido {

struct U2fRequest {
  uint8_t cla = 0, ins = 0, p1 = 0, p2 = 0;
  Bytes data;
};

// Header, then nothing; Le only (short 1 byte or extended 00 Le1 Le2); short Lc data [Le]; extended
// 00 Lc1 Lc2 data [Le1 Le2] (Lc 0000 with Le, as python-fido2's VERSION sends, counts as no data).
// nullopt when the lengths do not add up.
std::optional<U2fRequest> parse_u2f_request(ByteView message);

}  // namespace keydesk::card::fido
