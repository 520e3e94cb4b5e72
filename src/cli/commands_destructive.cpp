// token-new, token-reset and fido-token-reset: print what survives and what is wiped, and run only with
// --confirm-cuid naming the token in the reader (runbook/destruction.h).
#include "cli/context.h"
#include "cli/handlers.h"
#include "report/documents.h"
#include "runbook/destruction.h"
#include "runbook/survival.h"
#include "runbook/token_reset.h"

namespace keydesk::cli {
namespace {

Table survival_table_for(std::string_view command) {
  const auto* row = runbook::survival_of(command);
  Table t{"What " + std::string(command) + " keeps and wipes",
          {"Smart card certs", "OATH slots", "FIDO credentials", "External auth keys"},
          {}};
  t.rows.push_back({runbook::survival_name(row->certificates), runbook::survival_name(row->oath),
                    runbook::survival_name(row->fido), runbook::survival_name(row->xauth_keys)});
  return t;
}

// The survival table, the CUID check, then the wipe; a missing or wrong CUID exits 3 with the table shown.
Result<CommandResult> destructive(Context& ctx, runbook::Wipe wipe) {
  const std::string_view command = ctx.args().command->name;
  KD_ASSIGN_OR_RETURN(access::Channel * channel, ctx.channel());
  KD_ASSIGN_OR_RETURN(const auto d,
                      runbook::destroy(*channel, command, wipe, ctx.args().value("confirm-cuid")));
  CommandResult result;
  result.output.json = report::destruction_json(d);
  result.output.tables.push_back(survival_table_for(command));
  if (d.spends_all_pin_and_puk_tries == true) result.output.notes.push_back(runbook::kPivResetWarning);
  if (d.refused) {
    result.output.notes.push_back(describe(*d.refused));
    result.outcome = report::outcome_of(*d.refused);
    return result;
  }
  for (const auto& step : d.steps) result.output.notes.push_back("done: " + step);
  if (wipe == runbook::Wipe::kCardApplets)
    result.output.notes.push_back(
        "FIDO is a separate interface: follow with fido-token-reset if passkeys must go too");
  return result;
}

}  // namespace

Result<CommandResult> run_token_reset(Context& ctx) {
  return destructive(ctx, runbook::Wipe::kCardApplets);
}

// A new token's provisioning (PIN, PUK, certificates) is the CMS's job; keydesk wipes what it can reach.
Result<CommandResult> run_token_new(Context& ctx) {
  return destructive(ctx, runbook::Wipe::kCardApplets);
}

Result<CommandResult> run_fido_token_reset(Context& ctx) {
  return destructive(ctx, runbook::Wipe::kFido);
}

}  // namespace keydesk::cli
