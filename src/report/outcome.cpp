#include "report/outcome.h"

#include "core/ctap_status.h"
#include "iso7816/status_word.h"

namespace keydesk::report {

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSuccess:
      return "success";
    case Outcome::kDeviceError:
      return "device-error";
    case Outcome::kUsage:
      return "usage";
    case Outcome::kRefused:
      return "refused";
    case Outcome::kNoToken:
      return "no-token";
    case Outcome::kWrongPin:
      return "wrong-pin";
    case Outcome::kBlocked:
      return "blocked";
    case Outcome::kTimeout:
      return "timeout";
    case Outcome::kIntegrity:
      return "integrity";
  }
  return "device-error";
}

Outcome outcome_of(const Error& error) {
  switch (error.kind) {
    case ErrorKind::kNone:
      return Outcome::kSuccess;
    case ErrorKind::kUsage:
      return Outcome::kUsage;
    case ErrorKind::kRefused:
      return Outcome::kRefused;
    case ErrorKind::kTimeout:
      return Outcome::kTimeout;
    case ErrorKind::kIntegrity:
      return Outcome::kIntegrity;
    case ErrorKind::kNoReader:
    case ErrorKind::kNoToken:
    case ErrorKind::kTokenRemoved:
      return Outcome::kNoToken;
    case ErrorKind::kStatusWord: {
      const iso7816::StatusWord sw = *iso7816::status_word_of(error);
      if (sw == iso7816::sw::kAuthBlocked || sw == iso7816::sw::retries_left(0)) return Outcome::kBlocked;
      if (sw.is_retry_counter()) return Outcome::kWrongPin;
      return Outcome::kDeviceError;
    }
    case ErrorKind::kCtap:
      switch (*error.ctap_status()) {
        case CtapStatus::kPinInvalid:
          return Outcome::kWrongPin;
        case CtapStatus::kPinBlocked:
        case CtapStatus::kPinAuthBlocked:
          return Outcome::kBlocked;
        default:
          return Outcome::kDeviceError;
      }
    default:
      return Outcome::kDeviceError;
  }
}

Outcome outcome_of(runbook::AttemptOutcome attempt) {
  switch (attempt) {
    case runbook::AttemptOutcome::kOk:
      return Outcome::kSuccess;
    case runbook::AttemptOutcome::kWrong:
      return Outcome::kWrongPin;
    case runbook::AttemptOutcome::kBlocked:
      return Outcome::kBlocked;
    case runbook::AttemptOutcome::kRejected:
    case runbook::AttemptOutcome::kNotInitialized:
      return Outcome::kDeviceError;
  }
  return Outcome::kDeviceError;
}

Outcome outcome_of(const runbook::Diagnosis& diagnosis) {
  for (const auto& [probe, error] : diagnosis.snapshot.probe_errors)
    if (is_link_failure(error)) return outcome_of(error);
  return Outcome::kSuccess;
}

}  // namespace keydesk::report
