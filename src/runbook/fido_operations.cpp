#include "runbook/fido_operations.h"

#include "core/ctap_status.h"
#include "runbook/retry_interlock.h"

namespace keydesk::runbook {
namespace {

std::optional<int> retries_of(host::fido::FidoSession& s) {
  auto r = s.pin_retries();
  return r ? std::optional<int>(*r) : std::nullopt;
}

// The attempt's answer: a CTAP status from the authenticator is the outcome; anything else (the link
// failed, the hook refused) kept the attempt from being answered and is an error.
template <typename T>
Result<uint8_t> ctap_status_of(const Result<T>& answer) {
  if (answer) return static_cast<uint8_t>(CtapStatus::kOk);
  const auto status = answer.error().ctap_status();
  if (!status) return answer.error();
  return static_cast<uint8_t>(*status);
}

void complete(FidoAttemptReport& report, uint8_t status, host::fido::FidoSession& session) {
  report.ctap_status = status;
  report.outcome = fido_attempt_outcome(status);
  report.after = retries_of(session);
  if (auto meaning = explain_ctap(status)) report.next_step = meaning->advice;
}

}  // namespace

AttemptOutcome fido_attempt_outcome(uint8_t ctap_status) {
  switch (static_cast<CtapStatus>(ctap_status)) {
    case CtapStatus::kOk:
    case CtapStatus::kPinNotSet:  // an answer: no PIN, no credentials, nothing spent
      return AttemptOutcome::kOk;
    case CtapStatus::kPinInvalid:
      return AttemptOutcome::kWrong;
    case CtapStatus::kPinBlocked:
    case CtapStatus::kPinAuthBlocked:
      return AttemptOutcome::kBlocked;
    default:
      return AttemptOutcome::kRejected;
  }
}

Result<FidoCredentialListing> list_fido_credentials(host::fido::FidoSession& session, const std::string& pin,
                                                    bool force) {
  KD_ASSIGN_OR_RETURN(const auto info, session.info());
  FidoCredentialListing listing;
  listing.attempt.before = retries_of(session);
  // With no FIDO PIN there is no counter to spend: the attempt is the PIN_NOT_SET answer itself.
  if (info.option("clientPin") != false) KD_TRY(check_fido_attempt(listing.attempt.before, force));
  auto credentials = session.credentials(pin);
  KD_ASSIGN_OR_RETURN(const uint8_t status, ctap_status_of(credentials));
  if (credentials) listing.credentials = std::move(credentials).value();
  complete(listing.attempt, status, session);
  return listing;
}

const char* fido_pin_operation_name(FidoPinOperation operation) {
  return operation == FidoPinOperation::kChange ? "change" : "set";
}

bool fido_pin_is_set(const host::fido::FidoInfo& info) {
  return info.option("clientPin") == true;
}

Result<FidoPinChangeReport> set_or_change_fido_pin(host::fido::FidoSession& session,
                                                   const host::fido::FidoInfo& info,
                                                   const std::optional<std::string>& current,
                                                   const std::string& fresh, bool force) {
  FidoPinChangeReport report;
  const bool pin_set = fido_pin_is_set(info);
  report.operation = pin_set ? FidoPinOperation::kChange : FidoPinOperation::kSet;
  if (pin_set && !current)
    return Error::make(ErrorKind::kUsage, "this key has a FIDO PIN: changing it needs the current one");
  report.attempt.before = retries_of(session);
  if (pin_set) KD_TRY(check_fido_attempt(report.attempt.before, force));
  const Status done = pin_set ? session.change_pin(*current, fresh) : session.set_pin(fresh);
  KD_ASSIGN_OR_RETURN(const uint8_t status, ctap_status_of(done));
  complete(report.attempt, status, session);
  return report;
}

Result<std::vector<std::string>> reset_fido(access::FidoLink& link) {
  KD_TRY(link.session->reset());
  return std::vector<std::string>{"FIDO: every passkey and the FIDO PIN erased (" + link.transport + ")"};
}

}  // namespace keydesk::runbook
