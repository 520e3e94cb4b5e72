// The card PIN: aca-props-get (read-only) and the attempts pin-verify, pin-change, puk-put and
// pin-reset-tries, each rendered the same way: status word, its meaning, retries before and after.
#include "cli/context.h"
#include "cli/handlers.h"
#include "report/documents.h"
#include "runbook/access_control_probe.h"
#include "runbook/pin_operations.h"
#include "runbook/retry_interlock.h"

namespace keydesk::cli {
namespace {

using runbook::CardSecret;

std::string counter(std::optional<int> v) {
  return v ? std::to_string(*v) : "unknown";
}

CommandResult attempt_result(const runbook::AttemptReport& r) {
  CommandResult result;
  result.output.json = report::attempt_json(r);
  const auto& j = result.output.json;
  result.output.notes.push_back(j["StatusWord"].get<std::string>() + ": " + j["Meaning"].get<std::string>());
  result.output.notes.push_back(r.reference + " retries: " + counter(r.before) + " before, " +
                                counter(r.after) + " after (of " + counter(r.max) + ")");
  if (!r.next_step.empty()) result.output.notes.push_back("next: " + r.next_step);
  if (!r.logged_out)
    result.output.notes.push_back(
        "the token refused to reset its PIN-verified state: it stays verified until it is removed or reset");
  result.outcome = report::outcome_of(r.outcome);
  return result;
}

struct SecretOption {
  const char* option;
  const char* prompt;
  CardSecret kind;
};

// Reads the secrets an attempt needs and checks each against the rule every card token shares, before
// any APDU.
Result<std::vector<std::string>> collect_secrets(Context& ctx, std::initializer_list<SecretOption> secrets) {
  std::vector<std::string> values;
  auto wipe_all = [&] {
    for (auto& v : values) std::fill(v.begin(), v.end(), '\0');
  };
  for (const auto& [option, prompt, kind] : secrets) {
    auto value = ctx.secret(option, prompt);
    if (!value) {
      wipe_all();
      return value.error();
    }
    values.push_back(std::move(value).value());
    if (Status ok = runbook::check_card_secret(kind, values.back()); !ok) {
      wipe_all();
      return ok.error();
    }
  }
  return values;
}

// Runs an attempt with secrets already collected on the (unguarded) connection.
template <typename Operation>
Result<CommandResult> attempt_with(Context& ctx, std::vector<std::string>& values, Operation&& operation) {
  auto connection = ctx.connection();
  Result<runbook::AttemptReport> report = connection
                                              ? operation(**connection, values, ctx.args().has("force"))
                                              : Result<runbook::AttemptReport>(connection.error());
  for (auto& v : values) std::fill(v.begin(), v.end(), '\0');
  if (!report) return report.error();
  return attempt_result(*report);
}

// Collects the secrets an attempt needs, then runs it on the (unguarded) connection.
template <typename Operation>
Result<CommandResult> run_attempt(Context& ctx, std::initializer_list<SecretOption> secrets,
                                  Operation&& operation) {
  auto values = collect_secrets(ctx, secrets);
  if (!values) return values.error();
  return attempt_with(ctx, *values, std::forward<Operation>(operation));
}

}  // namespace

Result<CommandResult> run_aca_props_get(Context& ctx) {
  auto connection = ctx.connection();
  if (!connection) return connection.error();
  auto access = runbook::read_access_control(**connection);
  if (!access) return access.error();
  CommandResult result;
  result.output.json = report::access_control_json(*access);
  ojson shown = result.output.json;
  shown.erase("Unknown");
  result.output.tables.push_back(properties_table(shown));
  for (const auto& [name, why] : access->unknown) result.output.notes.push_back(name + " unknown: " + why);
  return result;
}

Result<CommandResult> run_pin_verify(Context& ctx) {
  return run_attempt(ctx, {{"pin", "PIN", CardSecret::kPin}},
                     [](host::ApduConnection& c, const std::vector<std::string>& v, bool force) {
                       return runbook::verify_pin(c, v[0], force);
                     });
}

Result<CommandResult> run_pin_change(Context& ctx) {
  return run_attempt(ctx,
                     {{"pin", "Current PIN", CardSecret::kPin}, {"new-pin", "New PIN", CardSecret::kNewPin}},
                     [](host::ApduConnection& c, const std::vector<std::string>& v, bool force) {
                       return runbook::change_pin(c, v[0], v[1], force);
                     });
}

// ACA: the PIN authorises storing the PUK. PIV-only (a YubiKey): CHANGE REFERENCE DATA of the PUK, which
// needs the current PUK; asked for explicitly, never prompted for by surprise.
Result<CommandResult> run_puk_put(Context& ctx) {
  // Which secrets come from the arguments (--current-puk: the PIV form), so they are read and checked
  // before the token is opened; which form the token needs is known only after reading it.
  const bool piv_form = ctx.args().has("current-puk");
  auto values = piv_form ? collect_secrets(ctx, {{"current-puk", "Current PUK", CardSecret::kCurrentPuk},
                                                 {"puk", "New PUK", CardSecret::kPuk}})
                         : collect_secrets(
                               ctx, {{"pin", "PIN", CardSecret::kPin}, {"puk", "New PUK", CardSecret::kPuk}});
  if (!values) return values.error();
  auto wipe = [&] {
    for (auto& v : *values) std::fill(v.begin(), v.end(), '\0');
  };
  auto connection = ctx.connection();
  if (!connection) {
    wipe();
    return connection.error();
  }
  auto piv_only = runbook::puk_put_needs_current_puk(**connection);
  if (!piv_only) {
    wipe();
    return piv_only.error();
  }
  if (*piv_only != piv_form) {
    wipe();
    if (*piv_only) return Error::make(ErrorKind::kUsage, std::string(runbook::kPivPukPut));
    return Error::make(
        ErrorKind::kUsage,
        "this token has the access-control applet: puk-put takes the PIN (-p), not --current-puk");
  }
  if (piv_form)
    return attempt_with(ctx, *values,
                        [](host::ApduConnection& c, const std::vector<std::string>& v, bool force) {
                          return runbook::change_puk(c, v[0], v[1], force);
                        });
  return attempt_with(ctx, *values,
                      [](host::ApduConnection& c, const std::vector<std::string>& v, bool force) {
                        return runbook::put_puk(c, v[0], v[1], force);
                      });
}

Result<CommandResult> run_pin_reset_tries(Context& ctx) {
  return run_attempt(ctx, {{"puk", "PUK", CardSecret::kPuk}, {"new-pin", "New PIN", CardSecret::kNewPin}},
                     [](host::ApduConnection& c, const std::vector<std::string>& v, bool force) {
                       return runbook::unblock_pin(c, v[0], v[1], force);
                     });
}

}  // namespace keydesk::cli
