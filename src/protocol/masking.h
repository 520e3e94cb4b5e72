// The one rule for what a trace or log may show of an APDU exchange, derived from the protocol tables:
// the data field of a command whose row says it carries a secret (a PIN, PUK, key, cryptogram, a CTAP
// request with PIN material or hmac-secret salts) is replaced by its length, and so is an answer whose row
// says it proves possession of a key or carries secret material. The host's -v trace (host/trace.h) and
// keydesk-sim's log (sim/sim_log.h) both use it.
//
// Masking is applet-aware and conservative: with the selected applet known, the rows of that applet (and
// of the card's own commands) with the command's instruction byte decide; when no applet is known, or the
// applet has no row for that byte, every applet's rows with it do, so an instruction that carries a secret
// anywhere is masked. CTAP requests inside NFCCTAP_MSG are judged by protocol/ctap.h (a request no row
// describes is masked).
#pragma once

#include <string>

#include "core/bytes.h"
#include "iso7816/apdu.h"
#include "protocol/applets.h"

namespace keydesk::protocol {

using iso7816::CommandApdu;
using iso7816::ResponseApdu;

// The command's data field may hold a secret.
bool carries_secret(const CommandApdu& command, AppletId selected = AppletId::kNone);
// The response to this command may hold secret material.
bool response_carries_secret(const CommandApdu& command, AppletId selected = AppletId::kNone);

// "00 20 00 80 <8 bytes masked>" or "00 A4 04 00 A000000308"; Le shown as "Le=256" when present.
std::string describe_masked(const CommandApdu& command, AppletId selected = AppletId::kNone);
// "<data or mask> 9000" for the response to `command`.
std::string describe_masked(const CommandApdu& command, const ResponseApdu& response,
                            AppletId selected = AppletId::kNone);
// For raw command bytes that may not parse: a parsed command as above, otherwise only the header and
// the length, since a malformed VERIFY still holds a PIN.
std::string describe_masked_raw(ByteView raw_command, AppletId selected = AppletId::kNone);

// Follows SELECT and its answer, as the card does: which applet the next command reaches. A failed SELECT
// leaves the card's selection uncertain, so nothing counts as selected after one.
class SelectionTracker {
 public:
  void observe(ByteView command, ByteView response);
  AppletId selected() const { return selected_; }

 private:
  AppletId selected_ = AppletId::kNone;
};

}  // namespace keydesk::protocol
