// token-new, token-reset and fido-token-reset: print what survives and what is wiped, and run only with
// --confirm-cuid naming the token in the reader.
#include "cli/context.h"
#include "cli/fido_link.h"
#include "cli/handlers.h"
#include "runbook/identity_probe.h"
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

// The survival table, the CUID check, then `destroy`; a missing or wrong CUID exits 3 with the table shown.
template <typename Destroy>
Result<CommandResult> destructive(Context& ctx, Destroy&& destroy) {
  const std::string_view command = ctx.args().command->name;
  auto connection = ctx.connection();
  if (!connection) return connection.error();
  auto cuid = runbook::read_cuid(**connection);
  if (!cuid) return cuid.error();
  CommandResult result;
  result.output.tables.push_back(survival_table_for(command));
  result.output.json["Command"] = command;
  result.output.json["CUID"] = *cuid;
  if (command != "fido-token-reset") {
    // Said before the confirmation, every time: the PIV reset spends every PIN and PUK try on purpose.
    auto piv = runbook::has_piv(**connection);
    if (!piv) return piv.error();
    result.output.json["SpendsAllPinAndPukTries"] = *piv;
    if (*piv) result.output.notes.push_back(runbook::kPivResetWarning);
  }
  if (auto confirmed = runbook::check_destruction_confirmed(*cuid, ctx.args().value("confirm-cuid"));
      !confirmed) {
    result.output.json["Done"] = false;
    result.output.json["Refused"] = describe(confirmed.error());
    result.output.notes.push_back(describe(confirmed.error()));
    result.code = ExitCode::kRefused;
    return result;
  }
  auto done = destroy(**connection);
  if (!done) return done.error();
  result.output.json["Done"] = true;
  result.output.json["Steps"] = *done;
  for (const auto& step : *done) result.output.notes.push_back("done: " + step);
  if (command != "fido-token-reset")
    result.output.notes.push_back(
        "FIDO is a separate interface: follow with fido-token-reset if passkeys must go too");
  return result;
}

}  // namespace

Result<CommandResult> run_token_reset(Context& ctx) {
  return destructive(ctx, [](host::ApduConnection& c) { return runbook::reset_card_applets(c); });
}

// A new token's provisioning (PIN, PUK, certificates) is the CMS's job; keydesk wipes what it can reach.
Result<CommandResult> run_token_new(Context& ctx) {
  return destructive(ctx, [](host::ApduConnection& c) { return runbook::reset_card_applets(c); });
}

Result<CommandResult> run_fido_token_reset(Context& ctx) {
  auto token = ctx.token();
  if (!token) return token.error();
  return destructive(ctx, [&](host::ApduConnection&) { return reset_fido(ctx, *token); });
}

}  // namespace keydesk::cli
