// The card PIN: aca-props-get (read-only) and the attempts pin-verify, pin-change, puk-put and
// pin-reset-tries, each rendered the same way: status word, its meaning, retries before and after.
#include "cli/context.h"
#include "cli/handlers.h"
#include "cli/snapshot_json.h"
#include "runbook/access_control_probe.h"
#include "runbook/pin_operations.h"

namespace keydesk::cli {
namespace {

std::string counter(std::optional<int> v) {
  return v ? std::to_string(*v) : "unknown";
}

ExitCode exit_code_of(runbook::AttemptOutcome o) {
  switch (o) {
    case runbook::AttemptOutcome::kOk:
      return ExitCode::kSuccess;
    case runbook::AttemptOutcome::kWrong:
      return ExitCode::kWrongPin;
    case runbook::AttemptOutcome::kBlocked:
      return ExitCode::kBlocked;
    case runbook::AttemptOutcome::kRejected:
    case runbook::AttemptOutcome::kNotInitialized:
      return ExitCode::kDeviceError;
  }
  return ExitCode::kDeviceError;
}

CommandResult attempt_result(const runbook::AttemptReport& r) {
  CommandResult result;
  auto meaning = explain_status_word(r.status_word);
  const std::string sw = meaning ? meaning->name : std::to_string(r.status_word);
  const std::string words = meaning ? meaning->meaning : "unknown status word";
  result.output.json = {{"Reference", r.reference},
                        {"Source", r.source},
                        {"StatusWord", sw},
                        {"Meaning", words},
                        {"Outcome", runbook::attempt_outcome_name(r.outcome)},
                        {"RetriesBefore", r.before ? ojson(*r.before) : ojson(nullptr)},
                        {"RetriesAfter", r.after ? ojson(*r.after) : ojson(nullptr)},
                        {"MaxRetries", r.max ? ojson(*r.max) : ojson(nullptr)}};
  result.output.notes.push_back(sw + ": " + words);
  result.output.notes.push_back(r.reference + " retries: " + counter(r.before) + " before, " +
                                counter(r.after) + " after (of " + counter(r.max) + ")");
  result.output.json["NextStep"] = r.next_step.empty() ? ojson(nullptr) : ojson(r.next_step);
  if (!r.next_step.empty()) result.output.notes.push_back("next: " + r.next_step);
  result.output.json["LoggedOut"] = r.logged_out;
  if (!r.logged_out)
    result.output.notes.push_back(
        "the token refused to reset its PIN-verified state: it stays verified until it is removed or reset");
  result.code = exit_code_of(r.outcome);
  return result;
}

// Collects the secrets an attempt needs, then runs it on the (unguarded) connection.
template <typename Operation>
Result<CommandResult> run_attempt(Context& ctx,
                                  std::initializer_list<std::pair<const char*, const char*>> secrets,
                                  Operation&& operation) {
  std::vector<std::string> values;
  for (const auto& [option, prompt] : secrets) {
    auto value = ctx.secret(option, prompt);
    if (!value) return value.error();
    values.push_back(std::move(value).value());
  }
  auto connection = ctx.connection();
  if (!connection) return connection.error();
  auto report = operation(**connection, values, ctx.args().has("force"));
  for (auto& v : values) std::fill(v.begin(), v.end(), '\0');
  if (!report) return report.error();
  return attempt_result(*report);
}

}  // namespace

Result<CommandResult> run_aca_props_get(Context& ctx) {
  auto connection = ctx.connection();
  if (!connection) return connection.error();
  auto access = runbook::read_access_control(**connection);
  if (!access) return access.error();
  CommandResult result;
  result.output.json = access_control_json(*access);
  ojson shown = result.output.json;
  shown.erase("Unknown");
  result.output.tables.push_back(properties_table(shown));
  for (const auto& [name, why] : access->unknown) result.output.notes.push_back(name + " unknown: " + why);
  return result;
}

Result<CommandResult> run_pin_verify(Context& ctx) {
  return run_attempt(ctx, {{"pin", "PIN"}},
                     [](host::ApduConnection& c, const std::vector<std::string>& v, bool force) {
                       return runbook::verify_pin(c, v[0], force);
                     });
}

Result<CommandResult> run_pin_change(Context& ctx) {
  return run_attempt(ctx, {{"pin", "Current PIN"}, {"new-pin", "New PIN"}},
                     [](host::ApduConnection& c, const std::vector<std::string>& v, bool force) {
                       return runbook::change_pin(c, v[0], v[1], force);
                     });
}

// ACA: the PIN authorises storing the PUK. PIV-only (a YubiKey): CHANGE REFERENCE DATA of the PUK, which
// needs the current PUK; asked for explicitly, never prompted for by surprise.
Result<CommandResult> run_puk_put(Context& ctx) {
  auto connection = ctx.connection();
  if (!connection) return connection.error();
  auto piv_only = runbook::puk_put_needs_current_puk(**connection);
  if (!piv_only) return piv_only.error();
  if (*piv_only) {
    if (!ctx.args().has("current-puk"))
      return Error::make(ErrorKind::kUsage, std::string(runbook::kPivPukPut));
    return run_attempt(ctx, {{"current-puk", "Current PUK"}, {"puk", "New PUK"}},
                       [](host::ApduConnection& c, const std::vector<std::string>& v, bool force) {
                         return runbook::change_puk(c, v[0], v[1], force);
                       });
  }
  if (ctx.args().has("current-puk"))
    return Error::make(
        ErrorKind::kUsage,
        "this token has the access-control applet: puk-put takes the PIN (-p), not --current-puk");
  return run_attempt(ctx, {{"pin", "PIN"}, {"puk", "New PUK"}},
                     [](host::ApduConnection& c, const std::vector<std::string>& v, bool force) {
                       return runbook::put_puk(c, v[0], v[1], force);
                     });
}

Result<CommandResult> run_pin_reset_tries(Context& ctx) {
  return run_attempt(ctx, {{"puk", "PUK"}, {"new-pin", "New PIN"}},
                     [](host::ApduConnection& c, const std::vector<std::string>& v, bool force) {
                       return runbook::unblock_pin(c, v[0], v[1], force);
                     });
}

}  // namespace keydesk::cli
