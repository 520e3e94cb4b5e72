// keydesk diagnose: the read-only runbook, entirely through the read-only guard, as findings with evidence
// and the next safe step, plus which PIN the user's symptom points to.
#include "cli/context.h"
#include "cli/fido_link.h"
#include "cli/handlers.h"
#include "cli/snapshot_json.h"
#include "runbook/counter_check.h"
#include "runbook/diagnose.h"

namespace keydesk::cli {

Result<CommandResult> run_diagnose(Context& ctx) {
  const std::string symptom_text = ctx.args().value("symptom").value_or("unknown");
  const auto symptom = runbook::parse_symptom(symptom_text);
  if (!symptom)
    return Error::make(ErrorKind::kUsage,
                       "unknown symptom '" + symptom_text + "' (windows-logon, vpn, otp, passkey, unknown)");
  auto tokens = ctx.tokens();
  if (!tokens) return tokens.error();
  if (tokens->empty()) return Error::make(ErrorKind::kNoToken, "no token found: nothing to diagnose");
  auto token = ctx.token();
  if (!token) return token.error();

  runbook::TokenIdentity identity{token->index, token->reader, to_hex(token->atr, true), {}, {}, {}};
  host::ApduConnection* card = nullptr;
  if (!token->reader.empty()) {
    auto connection = ctx.connection();
    if (!connection) return connection.error();
    card = *connection;
  }
  auto fido = make_fido_state_reader(ctx, *token);
  const auto snapshot = runbook::take_snapshot(identity, static_cast<int>(tokens->size()), card, fido.get());
  // "Nothing was spent" is checked, not assumed: the counters once more, compared with the snapshot's.
  const auto again = runbook::reread_counters(snapshot, card, fido.get());
  const uint64_t refused = ctx.guard_refusals() + (snapshot.fido ? snapshot.fido->requests_refused : 0) +
                           (again.fido ? again.fido->requests_refused : 0);
  const auto check = runbook::check_counters(snapshot, again, refused);
  const auto findings = runbook::find_issues(snapshot);
  const auto pin = runbook::pin_for_symptom(*symptom, snapshot);

  CommandResult result;
  auto& j = result.output.json;
  j["Token"] = {{"Index", snapshot.identity.index},
                {"Reader", snapshot.identity.reader},
                {"ATR", snapshot.identity.atr},
                {"CUID", snapshot.identity.cuid.empty() ? ojson(nullptr) : ojson(snapshot.identity.cuid)},
                {"TokensPresent", snapshot.tokens_present}};
  j["Symptom"] = runbook::symptom_name(*symptom);
  j["PinToCheck"] = {{"Pin", pin.pin}, {"Reason", pin.reason}};
  j["Findings"] = findings_json(findings);
  j["AccessControl"] = snapshot.access ? access_control_json(*snapshot.access) : ojson(nullptr);
  j["Oath"] = snapshot.oath ? oath_json(*snapshot.oath) : ojson(nullptr);
  j["Fido"] = snapshot.fido ? fido_json(*snapshot.fido) : ojson(nullptr);
  j["ProbeErrors"] = snapshot.probe_errors;
  j["CounterCheck"] = counter_check_json(check);
  j["ApdusSent"] = ctx.apdu_count();

  result.output.tables.push_back(properties_table(ojson{{"Token", snapshot.identity.index},
                                                        {"Reader", snapshot.identity.reader},
                                                        {"CUID", j["Token"]["CUID"]},
                                                        {"Symptom", j["Symptom"]},
                                                        {"PIN to check", pin.pin}}));
  Table table{"Findings", {"Id", "Severity", "Summary"}, {}};
  for (const auto& f : findings) table.rows.push_back({f.id, runbook::severity_name(f.severity), f.summary});
  result.output.tables.push_back(std::move(table));
  for (const auto& f : findings) {
    result.output.notes.push_back(f.id + ":");
    result.output.notes.push_back("  evidence:  " + f.evidence);
    result.output.notes.push_back("  next step: " + f.next_step);
  }
  for (const auto& [probe, why] : snapshot.probe_errors)
    result.output.notes.push_back("could not read " + probe + ": " + why);
  result.output.notes.push_back("Why that PIN: " + pin.reason);
  for (const auto& line : check.statement) result.output.notes.push_back(line);
  for (const auto& [probe, why] : again.probe_errors)
    result.output.notes.push_back("could not read " + probe + " again: " + why);
  if (again.fido && !again.fido->reachable)
    result.output.notes.push_back("could not read FIDO again: " + again.fido->unreachable_reason);
  result.output.notes.push_back(std::to_string(ctx.apdu_count()) + " APDUs sent.");
  return result;
}

}  // namespace keydesk::cli
