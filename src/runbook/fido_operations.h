// The runbook's FIDO PIN attempts and the FIDO reset, on an open FIDO session (access/channel.h). Each
// attempt reads the FIDO PIN retries without spending (before), refuses through the retry interlock when a
// wrong attempt could leave no way back (unless forced), makes exactly ONE attempt (never repeated) and
// reads the retries again (after). What the authenticator answered is an outcome in the report - a wrong
// FIDO PIN included - never an error; errors are what kept the attempt from being made or answered.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "access/channel.h"
#include "host/fido/fido_session.h"
#include "runbook/pin_operations.h"

namespace keydesk::runbook {

struct FidoAttemptReport {
  uint8_t ctap_status = 0x00;  // the authenticator's answer to the attempt (CTAP 2.1 section 8.2)
  AttemptOutcome outcome = AttemptOutcome::kOk;
  std::optional<int> before, after;  // FIDO PIN retries (getPINRetries); nullopt when unreadable
  std::string next_step;             // what to do now, from core's CTAP table; empty when nothing is needed
};
// 0x00 and PIN_NOT_SET (0x35: no PIN, so nothing to spend and no credentials) are kOk, PIN_INVALID (0x31)
// kWrong, PIN_BLOCKED (0x32) and PIN_AUTH_BLOCKED (0x34) kBlocked, anything else kRejected.
AttemptOutcome fido_attempt_outcome(uint8_t ctap_status);

struct FidoCredentialListing {
  FidoAttemptReport attempt;
  std::vector<host::fido::DiscoverableCredentialInfo> credentials;  // empty unless the attempt succeeded
};
// The discoverable credentials (passkeys); the PIN is the attempt. Where getInfo says no PIN is set there is
// no counter to spend and the answer is PIN_NOT_SET (should another client set a PIN in between, it is a
// real attempt, and the retries before and after say so).
Result<FidoCredentialListing> list_fido_credentials(host::fido::FidoSession& session, const std::string& pin,
                                                    bool force);

enum class FidoPinOperation { kSet, kChange };
const char* fido_pin_operation_name(FidoPinOperation operation);  // "set", "change"
// getInfo clientPin = true: a PIN is set, so a new one is a change that needs the current PIN.
bool fido_pin_is_set(const host::fido::FidoInfo& info);

struct FidoPinChangeReport {
  FidoPinOperation operation = FidoPinOperation::kSet;
  FidoAttemptReport attempt;
};
// setPIN when `info` (the key's getInfo, read by the caller to learn its minimum PIN length) says no PIN is
// set; else changePIN with `current`, which is the attempt (kUsage when it is missing). `fresh` must already
// have passed check_fido_pin_format with fido_new_pin_minimum.
Result<FidoPinChangeReport> set_or_change_fido_pin(host::fido::FidoSession& session,
                                                   const host::fido::FidoInfo& info,
                                                   const std::optional<std::string>& current,
                                                   const std::string& fresh, bool force);

// authenticatorReset: every passkey and the FIDO PIN erased. Returns the step as words.
Result<std::vector<std::string>> reset_fido(access::FidoLink& link);

}  // namespace keydesk::runbook
