// keydesk diagnose: the read-only runbook (runbook/diagnosis.h), entirely through the read-only guard, as
// findings with evidence and the next safe step, plus which PIN the user's symptom points to.
#include <cstdlib>

#include "cli/context.h"
#include "cli/handlers.h"
#include "cli/store_arguments.h"
#include "core/text.h"
#include "fleet/record_check.h"
#include "report/documents.h"
#include "runbook/diagnosis.h"
#include "store/record_store.h"

namespace keydesk::cli {
namespace {

// The token's record beside the diagnosis (docs/provisioning.md, "The record during a call"). A store that
// cannot be opened or a record changed behind keydesk's back is said, not hidden; the diagnosis stands.
void add_record(const store::StoreOptions& options, const runbook::TokenSnapshot& snapshot,
                CommandResult& result) {
  auto& notes = result.output.notes;
  auto opened = store::open_store(options);
  if (!opened.ok()) {
    result.output.json["Record"] = {{"Error", describe(opened.error())}};
    notes.push_back("record store: " + describe(opened.error()));
    return;
  }
  std::optional<store::TokenRecord> record;
  if (auto key = fleet::record_key(snapshot.identity)) {
    auto got = (*opened)->get_record(*key);
    if (got.ok()) {
      record = std::move(got).value();
    } else if (got.error().kind != ErrorKind::kNotFound) {
      result.output.json["Record"] = {{"Error", describe(got.error())}};
      notes.push_back("record store: " + describe(got.error()));
      if (got.error().kind == ErrorKind::kIntegrity && result.outcome == report::Outcome::kSuccess)
        result.outcome = report::Outcome::kIntegrity;
      return;
    }
  }
  auto check = fleet::check_record(record ? &*record : nullptr, snapshot, fleet::now_iso8601());
  result.output.json["Record"] = check.json;
  notes.push_back("On record:");
  for (const auto& line : check.lines) notes.push_back("  " + line);
}

}  // namespace

Result<CommandResult> run_diagnose(Context& ctx) {
  const std::string symptom_text = ctx.args().value("symptom").value_or("unknown");
  const auto symptom = runbook::parse_symptom(symptom_text);
  if (!symptom)
    return Error::make(ErrorKind::kUsage, "unknown symptom " + quoted_text(symptom_text) +
                                              " (windows-logon, vpn, otp, passkey, unknown)");
  KD_ASSIGN_OR_RETURN(const auto tokens, ctx.tokens());
  if (tokens.empty()) return Error::make(ErrorKind::kNoToken, "no token found: nothing to diagnose");
  KD_ASSIGN_OR_RETURN(access::Channel * channel, ctx.channel());
  KD_ASSIGN_OR_RETURN(const auto d, runbook::diagnose(*channel, static_cast<int>(tokens.size()), *symptom));
  const auto& snapshot = d.snapshot;

  CommandResult result;
  result.output.json = report::diagnose_json(d);
  const auto& j = result.output.json;
  result.output.tables.push_back(properties_table(ojson{{"Token", snapshot.identity.index},
                                                        {"Reader", snapshot.identity.reader},
                                                        {"CUID", j["Token"]["CUID"]},
                                                        {"Symptom", j["Symptom"]},
                                                        {"PIN to check", d.pin.pin}}));
  Table table{"Findings", {"Id", "Severity", "Summary"}, {}};
  for (const auto& f : d.findings)
    table.rows.push_back({f.id, runbook::severity_name(f.severity), f.summary});
  result.output.tables.push_back(std::move(table));
  auto& notes = result.output.notes;
  for (const auto& f : d.findings) {
    notes.push_back(f.id + ":");
    notes.push_back("  evidence:  " + f.evidence);
    notes.push_back("  next step: " + f.next_step);
  }
  for (const auto& [probe, error] : snapshot.probe_errors)
    notes.push_back("could not read " + probe + ": " + describe(error));
  notes.push_back("Why that PIN: " + d.pin.reason);
  for (const auto& line : d.check.statement) notes.push_back(line);
  for (const auto& [probe, why] : d.again.probe_errors)
    notes.push_back("could not read " + probe + " again: " + terminal_text(describe(why)));
  if (d.again.fido && !d.again.fido->reachable)
    notes.push_back("could not read FIDO again: " + terminal_text(d.again.fido->unreachable_reason));
  notes.push_back(std::to_string(d.apdus_sent) + " APDUs sent.");
  // A probe that could not reach the token leaves the diagnosis incomplete: the exit code says why (4: the
  // token went away, 7: it stopped answering, 1: the link failed), the findings above are what was seen.
  for (const auto& [probe, error] : snapshot.probe_errors)
    if (is_link_failure(error))
      notes.push_back("INCOMPLETE: the " + probe + " probe could not reach the token (" +
                      error_kind_name(error.kind) + "); what it would have read is missing.");
  result.outcome = report::outcome_of(d);
  if (auto options = named_store(ctx)) add_record(*options, snapshot, result);
  return result;
}

}  // namespace keydesk::cli
