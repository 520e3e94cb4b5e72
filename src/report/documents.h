// The documents of docs/cli-json-schema.json ($defs/<command>) built from runbook values: what `keydesk
// --json` prints and what a help-desk request returns. Pure functions; text a token or a user chose goes
// through core/text.h (valid UTF-8, with a <Name>Hex sibling where the bytes were not).
#pragma once

#include <string>
#include <vector>

#include "access/token_discovery.h"
#include "core/error.h"
#include "report/outcome.h"
#include "report/snapshot_json.h"
#include "runbook/destruction.h"
#include "runbook/diagnosis.h"
#include "runbook/fido_operations.h"
#include "runbook/pin_operations.h"

namespace keydesk::report {

// $defs/token-info; `fido_problem`: why FIDO devices could not be listed (TokenSource::fido_problem()).
ojson token_info_json(const std::vector<access::TokenInfo>& tokens, const std::string& fido_problem);
// $defs/token-cuid
ojson token_cuid_json(const access::TokenInfo& token, const std::string& cuid);
// $defs/attempt: pin-verify, pin-change, puk-put, pin-reset-tries.
ojson attempt_json(const runbook::AttemptReport& attempt);
// $defs/fido-cred-list and $defs/fido-pin-change.
ojson fido_credentials_json(const runbook::FidoCredentialListing& listing);
ojson fido_pin_change_json(const runbook::FidoPinChangeReport& change);
// $defs/destructive: token-new, token-reset, fido-token-reset.
ojson destruction_json(const runbook::DestructionReport& destruction);
// $defs/diagnose
ojson diagnose_json(const runbook::Diagnosis& diagnosis);

// A status word ("63C5", four hex digits) or a CTAP status ("0x35" or "35") in words; nullopt when `code` is
// neither.
std::optional<CodeMeaning> explain_code(std::string_view code);
// $defs/explain
ojson explain_json(const std::vector<CodeMeaning>& meanings);

// $defs/error: the error's kind, its words (core's describe()), the exit code the caller maps its outcome
// to, and the status word or CTAP status where the error carries one.
ojson error_json(const Error& error, int exit_code);

}  // namespace keydesk::report
