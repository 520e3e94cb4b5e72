// keydesk diagnose: the read-only runbook, entirely through the read-only guard, as findings with evidence
// and the next safe step, plus which PIN the user's symptom points to.
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/fido_link.h"
#include "cli/handlers.h"
#include "cli/snapshot_json.h"
#include "core/text.h"
#include "runbook/counter_check.h"
#include "runbook/diagnose.h"

namespace keydesk::cli {

Result<CommandResult> run_diagnose(Context& ctx) {
  const std::string symptom_text = ctx.args().value("symptom").value_or("unknown");
  const auto symptom = runbook::parse_symptom(symptom_text);
  if (!symptom)
    return Error::make(ErrorKind::kUsage, "unknown symptom " + quoted_text(symptom_text) +
                                              " (windows-logon, vpn, otp, passkey, unknown)");
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
  j["Token"] = {{"Index", snapshot.identity.index}};
  put_text(j["Token"], "Reader", snapshot.identity.reader);
  j["Token"]["ATR"] = snapshot.identity.atr;
  j["Token"]["CUID"] = snapshot.identity.cuid.empty() ? ojson(nullptr) : ojson(snapshot.identity.cuid);
  j["Token"]["TokensPresent"] = snapshot.tokens_present;
  j["Symptom"] = runbook::symptom_name(*symptom);
  j["PinToCheck"] = {{"Pin", pin.pin}, {"Reason", pin.reason}};
  j["Findings"] = findings_json(findings);
  j["AccessControl"] = snapshot.access ? access_control_json(*snapshot.access) : ojson(nullptr);
  j["Oath"] = snapshot.oath ? oath_json(*snapshot.oath) : ojson(nullptr);
  j["Fido"] = snapshot.fido ? fido_json(*snapshot.fido) : ojson(nullptr);
  j["Complete"] = snapshot.complete();
  j["ProbeErrors"] = ojson::object();
  for (const auto& [probe, error] : snapshot.probe_errors)
    j["ProbeErrors"][probe] = {{"kind", error_kind_name(error.kind)},
                               {"message", terminal_text(describe(error))}};
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
  for (const auto& [probe, error] : snapshot.probe_errors)
    result.output.notes.push_back("could not read " + probe + ": " + describe(error));
  result.output.notes.push_back("Why that PIN: " + pin.reason);
  for (const auto& line : check.statement) result.output.notes.push_back(line);
  for (const auto& [probe, why] : again.probe_errors)
    result.output.notes.push_back("could not read " + probe + " again: " + terminal_text(describe(why)));
  if (again.fido && !again.fido->reachable)
    result.output.notes.push_back("could not read FIDO again: " +
                                  terminal_text(again.fido->unreachable_reason));
  result.output.notes.push_back(std::to_string(ctx.apdu_count()) + " APDUs sent.");
  // A probe that could not reach the token leaves the diagnosis incomplete: the exit code says why (4: the
  // token went away, 7: it stopped answering, 1: the link failed), the findings above are what was seen.
  for (const auto& [probe, error] : snapshot.probe_errors) {
    if (!is_link_failure(error)) continue;
    result.output.notes.push_back("INCOMPLETE: the " + probe + " probe could not reach the token (" +
                                  error_kind_name(error.kind) + "); what it would have read is missing.");
    if (result.code == ExitCode::kSuccess) result.code = exit_code_for(error);
  }
  return result;
}

}  // namespace keydesk::cli
