// FIDO: fido-props-get reads getInfo and getPINRetries only (on a read-only channel every CTAP request
// passes the read-only CTAP rule); fido-cred-list and fido-pin-change make at most one FIDO PIN attempt
// behind the retry interlock (runbook/fido_operations.h).
#include "cli/context.h"
#include "cli/handlers.h"
#include "report/documents.h"
#include "runbook/fido_operations.h"
#include "runbook/fido_probe.h"
#include "runbook/retry_interlock.h"

namespace keydesk::cli {
namespace {

// The attempt's status in words, the retries before and after, what to do next.
void add_attempt_notes(CommandResult& result, const runbook::FidoAttemptReport& attempt) {
  auto m = explain_ctap(attempt.ctap_status);
  const std::string name = m ? m->name : "CTAP status " + std::to_string(attempt.ctap_status);
  result.output.notes.push_back(name + (m ? " - " + m->meaning : ""));
  auto text = [](std::optional<int> v) { return v ? std::to_string(*v) : std::string("unknown"); };
  result.output.notes.push_back("FIDO PIN retries: " + text(attempt.before) + " before, " +
                                text(attempt.after) + " after");
  if (!attempt.next_step.empty()) result.output.notes.push_back("next: " + attempt.next_step);
  result.outcome = report::outcome_of(attempt.outcome);
}

// A FIDO PIN from option `name`, held to CTAP's rule before anything is sent.
Result<std::string> fido_pin(Context& ctx, std::string_view name, std::string_view prompt,
                             std::string_view which) {
  KD_ASSIGN_OR_RETURN(std::string pin, ctx.secret(name, prompt));
  if (auto ok = runbook::check_fido_pin_format(pin, runbook::kCtapMinPinCodePoints, which); !ok) {
    std::fill(pin.begin(), pin.end(), '\0');
    return ok.error();
  }
  return pin;
}

}  // namespace

Result<CommandResult> run_fido_props_get(Context& ctx) {
  KD_ASSIGN_OR_RETURN(access::Channel * channel, ctx.channel());
  const auto state = runbook::make_fido_state_reader(*channel)->read();
  if (!state.reachable) return Error::make(ErrorKind::kNoToken, "FIDO: " + state.unreachable_reason);
  CommandResult result;
  result.output.json = report::fido_json(state);
  ojson shown = result.output.json;
  shown.erase("Reachable");
  result.output.tables.push_back(properties_table(shown));
  return result;
}

Result<CommandResult> run_fido_cred_list(Context& ctx) {
  KD_ASSIGN_OR_RETURN(access::Channel * channel, ctx.channel());
  // The PIN's form first: a malformed one is a usage error before the FIDO link is even opened.
  KD_ASSIGN_OR_RETURN(std::string pin, fido_pin(ctx, "pin", "FIDO PIN", "the FIDO PIN"));
  auto fido = channel->fido();
  auto listing = fido ? runbook::list_fido_credentials(*(*fido)->session, pin, ctx.args().has("force"))
                      : Result<runbook::FidoCredentialListing>(fido.error());
  std::fill(pin.begin(), pin.end(), '\0');
  if (!listing) return listing.error();
  CommandResult result;
  result.output.json = report::fido_credentials_json(*listing);
  if (listing->attempt.ctap_status == static_cast<uint8_t>(CtapStatus::kOk)) {
    Table table{"", {"RP", "User", "Credential ID"}, {}};
    for (const auto& c : listing->credentials)
      table.rows.push_back({c.rp_id, c.user_name, to_hex(c.credential_id)});
    result.output.tables.push_back(std::move(table));
  }
  add_attempt_notes(result, listing->attempt);
  return result;
}

Result<CommandResult> run_fido_pin_change(Context& ctx) {
  KD_ASSIGN_OR_RETURN(access::Channel * channel, ctx.channel());
  // Whether a current PIN is needed depends on the key; one given is checked before anything is sent.
  std::optional<std::string> current;
  auto wipe = [&](std::string& s) { std::fill(s.begin(), s.end(), '\0'); };
  if (ctx.args().has("pin")) {
    KD_ASSIGN_OR_RETURN(current, fido_pin(ctx, "pin", "Current FIDO PIN", "the current FIDO PIN"));
  }
  auto fresh = fido_pin(ctx, "new-pin", "New FIDO PIN", "the new FIDO PIN");
  auto change = [&]() -> Result<runbook::FidoPinChangeReport> {
    if (!fresh) return fresh.error();
    KD_ASSIGN_OR_RETURN(access::FidoLink * fido, channel->fido());
    KD_ASSIGN_OR_RETURN(const auto info, fido->session->info());
    // The key's own minimum needs its getInfo; still nothing but reads has been sent.
    KD_TRY(runbook::check_fido_pin_format(*fresh, runbook::fido_new_pin_minimum(info.min_pin_length),
                                          "the new FIDO PIN"));
    if (runbook::fido_pin_is_set(info) && !current) {
      KD_ASSIGN_OR_RETURN(current, fido_pin(ctx, "pin", "Current FIDO PIN", "the current FIDO PIN"));
    }
    return runbook::set_or_change_fido_pin(*fido->session, info, current, *fresh, ctx.args().has("force"));
  };
  auto changed = change();
  if (current) wipe(*current);
  if (fresh) wipe(*fresh);
  if (!changed) return changed.error();
  CommandResult result;
  result.output.json = report::fido_pin_change_json(*changed);
  add_attempt_notes(result, changed->attempt);
  return result;
}

}  // namespace keydesk::cli
