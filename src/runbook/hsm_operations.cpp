#include "runbook/hsm_operations.h"

#include "host/hsm/hsm_session.h"
#include "runbook/hsm_probe.h"
#include "runbook/retry_interlock.h"

namespace keydesk::runbook {
namespace p = protocol::sc_hsm;

const char* const kHsmNoFactoryReset =
    "a blocked SO-PIN cannot be unblocked and the SmartCard-HSM has no factory reset: only the vendor's "
    "firmware update (CardContact's PKI-as-a-Service portal) brings it back, deleting every key and giving "
    "the device a new identity";

namespace {

AttemptOutcome outcome_of(const host::VerifyResult& r) {
  switch (r.kind) {
    case host::VerifyResult::Kind::kOk:
      return AttemptOutcome::kOk;
    case host::VerifyResult::Kind::kWrong:
      return AttemptOutcome::kWrong;
    case host::VerifyResult::Kind::kBlocked:
      return AttemptOutcome::kBlocked;
    case host::VerifyResult::Kind::kNotInitialized:
      return AttemptOutcome::kNotInitialized;
    case host::VerifyResult::Kind::kRejected:
      return AttemptOutcome::kRejected;
  }
  return AttemptOutcome::kRejected;
}

Result<HsmState> state_of(host::ApduConnection& c, bool counters_only = false) {
  KD_ASSIGN_OR_RETURN(auto state, read_hsm(c, counters_only));
  if (!state) return Error::make(ErrorKind::kNotSupported, "the token has no SmartCard-HSM applet");
  return *state;
}

// The interlock for an SO-PIN attempt: blocked is final, and with no way back a low count is refused.
Status check_so_attempt(const HsmState& s, bool force) {
  if (s.so_remaining == 0)
    return Error::make(ErrorKind::kRefused, std::string("the SO-PIN is blocked: ") + kHsmNoFactoryReset);
  return check_attempt("SO-PIN", s.so_remaining, false, force);
}

std::string next_step_after(const HsmAttemptReport& r) {
  switch (r.outcome) {
    case AttemptOutcome::kOk:
      return {};
    case AttemptOutcome::kWrong:
      return "the SO-PIN was wrong (" + std::to_string(r.so_after.value_or(-1)) + " of " +
             std::to_string(r.so_max) +
             " tries left): find it in the records before another attempt; keydesk never repeats an attempt";
    case AttemptOutcome::kBlocked:
      return kHsmNoFactoryReset;
    case AttemptOutcome::kRejected:
      return "the device refused the command without trying the SO-PIN";
    case AttemptOutcome::kNotInitialized:
      return "the device was never initialised: hsm-init sets the SO-PIN";
  }
  return {};
}

template <typename Attempt>
Result<HsmAttemptReport> run(host::ApduConnection& c, const char* operation, const HsmState& before,
                             Attempt&& attempt) {
  HsmAttemptReport r;
  r.operation = operation;
  r.device_id = before.device_id;
  r.so_before = before.so_remaining;
  r.so_max = before.so_max;
  KD_ASSIGN_OR_RETURN(host::VerifyResult result, attempt());
  r.status_word = result.sw.value;
  r.outcome = outcome_of(result);
  // Read again, never guessed: what the attempt left.
  if (auto after = state_of(c, true)) {
    r.so_after = after->so_remaining;
    r.user_after = after->user_remaining;
  }
  r.next_step = next_step_after(r);
  return r;
}

}  // namespace

Result<HsmAttemptReport> hsm_initialize(host::ApduConnection& c, const SoPinInput& so_pin,
                                        std::string_view user_pin, uint8_t user_pin_tries,
                                        const std::optional<std::string>& confirm, const std::string& cuid,
                                        bool force, const SoPinEscrow& escrow) {
  KD_TRY(check_hsm_user_pin(user_pin, "the initial user PIN"));
  if (user_pin_tries == 0 || user_pin_tries > p::kUserPinMaxTries)
    return Error::make(ErrorKind::kUsage, "user PIN tries must be 1 to 10");
  KD_ASSIGN_OR_RETURN(HsmState before, state_of(c));
  if (before.initialized) {
    // A re-initialisation deletes every key and file: only for the device the operator named.
    const bool named =
        confirm && !confirm->empty() && (*confirm == before.device_id || (!cuid.empty() && *confirm == cuid));
    if (!named)
      return Error::make(
          ErrorKind::kRefused,
          "this SmartCard-HSM is initialised: re-initialising deletes every key and file on it. "
          "Confirm with --confirm-cuid " +
              (before.device_id.empty() ? cuid : before.device_id) + " (nothing was sent)");
    KD_TRY(check_so_attempt(before, force));
  }
  const std::string device = before.device_id.empty() ? cuid : before.device_id;
  // Never set a secret before it is durably recorded.
  if (escrow && !before.initialized) KD_TRY(escrow(device));
  host::hsm::HsmSession session(c);
  host::hsm::InitializeParams params;
  params.options = p::kOptionResetRetryCounter;
  params.user_pin = std::string(user_pin);
  params.so_pin = so_pin.bytes;
  params.user_pin_tries = user_pin_tries;
  auto report = run(c, "hsm-init", before, [&] { return session.initialize(params); });
  std::fill(params.user_pin.begin(), params.user_pin.end(), '\0');
  if (!report) return report;
  report->so_pin_tried = before.initialized;
  if (escrow) {
    if (!before.initialized) {
      report->escrowed = true;
    } else if (report->outcome == AttemptOutcome::kOk) {
      const Status recorded = escrow(device);
      report->escrowed = recorded.ok();
      if (!recorded) report->escrow_problem = describe(recorded.error());
    } else {
      report->escrowed = false;
      report->escrow_problem = "the device refused the SO-PIN: nothing was recorded";
    }
  }
  return report;
}

Result<HsmAttemptReport> hsm_reset_user_pin(host::ApduConnection& c, const SoPinInput& so_pin,
                                            std::string_view new_pin, bool force) {
  KD_TRY(check_hsm_user_pin(new_pin, "the new user PIN"));
  KD_ASSIGN_OR_RETURN(HsmState before, state_of(c));
  if (!before.initialized)
    return Error::make(ErrorKind::kRefused,
                       "the SmartCard-HSM was never initialised: there is no user PIN to "
                       "reset (hsm-init sets both PINs)");
  if (!before.reset_with_so_pin_enabled())
    return Error::make(
        ErrorKind::kRefused,
        "this SmartCard-HSM was initialised without \"user PIN reset with SO-PIN\" (option 0001): "
        "the device refuses RESET RETRY COUNTER. The only way back for a blocked user PIN is a "
        "re-initialisation with the SO-PIN (hsm-init), which deletes every key (nothing was sent)");
  KD_TRY(check_so_attempt(before, force));
  host::hsm::HsmSession session(c);
  auto report =
      run(c, "hsm-pin-unblock", before, [&] { return session.reset_user_pin(so_pin.bytes, new_pin); });
  if (report) report->so_pin_tried = true;
  return report;
}

Result<HsmAttemptReport> hsm_change_so_pin(host::ApduConnection& c, const SoPinInput& current,
                                           const SoPinInput& replacement, bool force) {
  if (current.bytes == replacement.bytes)
    return Error::make(ErrorKind::kUsage, "the new SO-PIN is the current one (nothing was sent)");
  KD_ASSIGN_OR_RETURN(HsmState before, state_of(c));
  if (!before.initialized)
    return Error::make(ErrorKind::kRefused,
                       "the SmartCard-HSM was never initialised: hsm-init sets the first SO-PIN");
  KD_TRY(check_so_attempt(before, force));
  host::hsm::HsmSession session(c);
  auto report = run(c, "hsm-so-pin-change", before,
                    [&] { return session.change_so_pin(current.bytes, replacement.bytes); });
  if (report) report->so_pin_tried = true;
  return report;
}

}  // namespace keydesk::runbook
