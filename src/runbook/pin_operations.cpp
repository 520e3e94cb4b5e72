#include "runbook/pin_operations.h"

#include "host/aca/aca_session.h"
#include "host/piv/piv_session.h"
#include "runbook/access_control_probe.h"
#include "runbook/retry_interlock.h"
#include "runbook/unblock_paths.h"

namespace keydesk::runbook {
namespace {

using host::VerifyResult;

// The PUK follows the PIN's length rules on both the ACA and PIV (6 to 8 bytes).
constexpr PinRule kPukRule{6, 8, false};

PinRule pin_rule(const AccessControl& a) {
  return PinRule{a.min_pin_length.value_or(6), a.max_pin_length.value_or(8), false};
}

AttemptOutcome outcome_of(VerifyResult::Kind k) {
  switch (k) {
    case VerifyResult::Kind::kOk:
      return AttemptOutcome::kOk;
    case VerifyResult::Kind::kWrong:
      return AttemptOutcome::kWrong;
    case VerifyResult::Kind::kBlocked:
      return AttemptOutcome::kBlocked;
    case VerifyResult::Kind::kNotInitialized:
      return AttemptOutcome::kNotInitialized;
    case VerifyResult::Kind::kRejected:
      return AttemptOutcome::kRejected;
  }
  return AttemptOutcome::kRejected;
}

enum class Counter { kPin, kPuk };

Status log_out(host::ApduConnection& c, const AccessControl& used);

// What to do after an attempt, from the paths the token has now (never a fixed sentence: a token without
// a PUK must not be told to use one).
std::string next_step_after(Counter counter, AttemptOutcome outcome, std::optional<int> after,
                            const UnblockPaths& paths) {
  const bool blocked =
      outcome == AttemptOutcome::kBlocked || (outcome == AttemptOutcome::kWrong && after == 0);
  if (counter == Counter::kPuk) return blocked ? blocked_puk_next_step(paths) : std::string();
  if (blocked) return blocked_pin_next_step(paths);
  if (outcome == AttemptOutcome::kWrong && after && *after <= attempt_floor(paths.any_available()))
    return low_pin_next_step(paths);
  return {};
}

// Reads the counters, runs the local checks and the interlock, makes the one attempt, reads again.
template <typename Attempt>
Result<AttemptReport> attempt(host::ApduConnection& c, Counter counter, bool force, Attempt&& run) {
  auto before = read_access_control(c);
  if (!before) return before.error();
  AttemptReport report;
  report.reference = counter == Counter::kPin ? "PIN" : "PUK";
  report.source = before->source;
  report.before = counter == Counter::kPin ? before->pin_remaining : before->puk_remaining;
  report.max = counter == Counter::kPin ? before->pin_max : before->puk_max;
  if (counter == Counter::kPuk && before->puk_initialized == false)
    return Error::make(ErrorKind::kRefused, "no PUK is set on this token: there is nothing to try");
  // Spending the PUK's last tries leaves only XAUTH; spending the PIN's leaves the PUK or XAUTH.
  const UnblockPaths paths = unblock_paths(*before);
  const bool way_back =
      counter == Counter::kPin ? paths.any_available() : paths.xauth.state == PathState::kAvailable;
  if (auto ok = check_attempt(report.reference, report.before, way_back, force); !ok) return ok.error();
  auto result = run(*before);
  if (!result) return result.error();
  report.status_word = result->sw.value;
  report.outcome = outcome_of(result->kind);
  report.logged_out = log_out(c, *before).ok();
  auto after = read_access_control(c);
  if (after) {
    report.after = counter == Counter::kPin ? after->pin_remaining : after->puk_remaining;
    report.next_step = next_step_after(counter, report.outcome, report.after, unblock_paths(*after));
  }
  return report;
}

// Every attempt is made through the ACA where the token has it, else through PIV (the same card PIN and
// PUK; on a PIV-only token such as a YubiKey, PIV's own).
bool through_aca(const AccessControl& a) {
  return a.source == "ACA";
}

Result<host::aca::AcaSession> aca(host::ApduConnection& c) {
  host::aca::AcaSession session(c);
  if (auto s = session.select(); !s) return s.error();
  return session;
}

Result<host::piv::PivSession> piv(host::ApduConnection& c) {
  host::piv::PivSession session(c);
  if (auto s = session.select(); !s) return s.error();
  return session;
}

// Ends the PIN-verified state the attempt may have left on the applet it used, so no other program on
// the machine inherits a verified PIN from the help desk's check.
Status log_out(host::ApduConnection& c, const AccessControl& used) {
  if (through_aca(used)) {
    host::aca::AcaSession session(c);
    KD_TRY(session.select());
    return session.logout();
  }
  host::piv::PivSession session(c);
  KD_TRY(session.select());
  return session.logout();
}

}  // namespace

const char* attempt_outcome_name(AttemptOutcome o) {
  switch (o) {
    case AttemptOutcome::kOk:
      return "ok";
    case AttemptOutcome::kWrong:
      return "wrong";
    case AttemptOutcome::kBlocked:
      return "blocked";
    case AttemptOutcome::kRejected:
      return "rejected";
    case AttemptOutcome::kNotInitialized:
      return "not-initialized";
  }
  return "rejected";
}

Result<AttemptReport> verify_pin(host::ApduConnection& c, std::string_view pin, bool force) {
  return attempt(c, Counter::kPin, force, [&](const AccessControl& a) -> Result<VerifyResult> {
    KD_TRY(check_pin_format("PIN", pin, pin_rule(a)));
    if (!through_aca(a)) {
      auto p = piv(c);
      if (!p) return p.error();
      return p->verify_pin(bytes_of(pin));
    }
    auto s = aca(c);
    if (!s) return s.error();
    return s->verify_pin(pin);
  });
}

Result<AttemptReport> change_pin(host::ApduConnection& c, std::string_view pin, std::string_view new_pin,
                                 bool force) {
  return attempt(c, Counter::kPin, force, [&](const AccessControl& a) -> Result<VerifyResult> {
    KD_TRY(check_pin_format("PIN", pin, pin_rule(a)));
    KD_TRY(check_pin_format("new PIN", new_pin, pin_rule(a)));
    if (!through_aca(a)) {
      auto p = piv(c);
      if (!p) return p.error();
      return p->change_pin(bytes_of(pin), bytes_of(new_pin));
    }
    auto s = aca(c);
    if (!s) return s.error();
    return s->change_pin(pin, new_pin);
  });
}

Result<AttemptReport> put_puk(host::ApduConnection& c, std::string_view pin, std::string_view puk,
                              bool force) {
  return attempt(c, Counter::kPin, force, [&](const AccessControl& a) -> Result<VerifyResult> {
    KD_TRY(check_pin_format("PIN", pin, pin_rule(a)));
    KD_TRY(check_pin_format("PUK", puk, kPukRule));
    if (!through_aca(a)) return Error::make(ErrorKind::kUsage, std::string(kPivPukPut));
    auto s = aca(c);
    if (!s) return s.error();
    auto verified = s->verify_pin(pin);
    if (!verified || !verified->ok()) return verified;
    if (auto stored = s->puk_put(puk); !stored) return stored.error();
    return verified;
  });
}

Result<AttemptReport> unblock_pin(host::ApduConnection& c, std::string_view puk, std::string_view new_pin,
                                  bool force) {
  return attempt(c, Counter::kPuk, force, [&](const AccessControl& a) -> Result<VerifyResult> {
    KD_TRY(check_pin_format("PUK", puk, kPukRule));
    KD_TRY(check_pin_format("new PIN", new_pin, pin_rule(a)));
    if (!through_aca(a)) {
      auto p = piv(c);
      if (!p) return p.error();
      return p->unblock_pin(bytes_of(puk), bytes_of(new_pin));
    }
    auto s = aca(c);
    if (!s) return s.error();
    return s->unblock_with_puk(puk, new_pin);
  });
}

Result<AttemptReport> change_puk(host::ApduConnection& c, std::string_view puk, std::string_view new_puk,
                                 bool force) {
  return attempt(c, Counter::kPuk, force, [&](const AccessControl& a) -> Result<VerifyResult> {
    KD_TRY(check_pin_format("current PUK", puk, kPukRule));
    KD_TRY(check_pin_format("new PUK", new_puk, kPukRule));
    if (through_aca(a))
      return Error::make(ErrorKind::kUsage,
                         "this token has the access-control applet: puk-put sets the PUK with the PIN");
    auto p = piv(c);
    if (!p) return p.error();
    return p->change_puk(bytes_of(puk), bytes_of(new_puk));
  });
}

Result<bool> puk_put_needs_current_puk(host::ApduConnection& c) {
  auto a = read_access_control(c);
  if (!a) return a.error();
  return !through_aca(*a);
}

}  // namespace keydesk::runbook
