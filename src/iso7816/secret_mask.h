// The one rule for what an APDU trace may show. Masking is by instruction and deliberately conservative:
// the data of any instruction that carries a PIN, PUK, key or cryptogram in any applet keydesk speaks
// (PIV, YKOATH, ACA, NFCCTAP) is replaced by its length, whichever applet is selected.
#pragma once

#include <string>

#include "core/bytes.h"
#include "iso7816/apdu.h"

namespace keydesk::iso7816 {

// The command's data field may hold a secret.
bool carries_secret(const CommandApdu& command);
// The response to this command may hold secret material (proofs of key possession).
bool response_carries_secret(const CommandApdu& command);

// "00 20 00 80 <8 bytes masked>" or "00 A4 04 00 A000000308"; Le shown as "Le=256" when present.
std::string describe_masked(const CommandApdu& command);
// "<data or mask> 9000" for the response to `command`.
std::string describe_masked(const CommandApdu& command, const ResponseApdu& response);
// For raw command bytes that may not parse: a parsed command as above, otherwise only the header and
// the length, since a malformed VERIFY still holds a PIN.
std::string describe_masked_raw(ByteView raw_command);

}  // namespace keydesk::iso7816
