// The SmartCard-HSM (docs/hsm.md): hsm-status (read-only, through the read-only guard) and the SO-PIN
// operations hsm-init, hsm-pin-unblock and hsm-so-pin-change. Every SO-PIN is checked for its format
// before the token is even opened (runbook/hsm_so_pin.h: a malformed one is exit 2 and nothing is sent);
// every attempt shows the SO-PIN's tries before and after and is never repeated.
#include "cli/context.h"
#include "cli/handlers.h"
#include "cli/store_arguments.h"
#include "report/hsm_json.h"
#include "runbook/counter_check.h"
#include "runbook/findings.h"
#include "runbook/hsm_operations.h"
#include "runbook/hsm_probe.h"
#include "runbook/identity_probe.h"
#include "store/record_store.h"

namespace keydesk::cli {
namespace {

std::string tries(std::optional<int> v, int max) {
  return (v ? std::to_string(*v) : std::string("unknown")) + " of " + std::to_string(max);
}

void wipe_text(std::string& s) {
  std::fill(s.begin(), s.end(), '\0');
}

// Reads and checks an SO-PIN option; the secret itself never leaves this function except as bytes.
Result<runbook::SoPinInput> so_pin_option(Context& ctx, const char* option, const char* prompt,
                                          std::optional<std::string_view> user_pin = std::nullopt) {
  KD_ASSIGN_OR_RETURN(std::string typed, ctx.secret(option, prompt));
  auto parsed = runbook::parse_so_pin_input(typed, prompt, user_pin);
  wipe_text(typed);
  return parsed;
}

std::string text_note(const runbook::SoPinInput& in, const char* what) {
  if (in.documented_default)
    return std::string("note: the ") + what +
           " given is the documented default 3537363231383830 (the text 57621880)";
  if (in.as_text)
    return std::string("note: the ") + what +
           " given is the hex form of an 8-character text: right if the SO-PIN was set as text, not if the "
           "16 digits themselves were the SO-PIN";
  return {};
}

CommandResult attempt_result(const runbook::HsmAttemptReport& r,
                             const std::vector<std::string>& before_notes) {
  CommandResult result;
  result.output.json = report::hsm_attempt_json(r);
  const auto& j = result.output.json;
  auto& notes = result.output.notes;
  for (const auto& n : before_notes)
    if (!n.empty()) notes.push_back(n);
  notes.push_back(r.operation + (r.device_id.empty() ? std::string() : " on device " + r.device_id) + ": " +
                  j["StatusWord"].get<std::string>() + ": " + j["Meaning"].get<std::string>());
  if (r.so_pin_tried)
    notes.push_back("SO-PIN tries: " + tries(r.so_before, r.so_max) + " before, " +
                    tries(r.so_after, r.so_max) + " after");
  else
    notes.push_back("SO-PIN tries: none spent (the device had no SO-PIN); now " +
                    tries(r.so_after, r.so_max));
  if (r.user_after) notes.push_back("user PIN tries now: " + std::to_string(*r.user_after));
  if (!r.next_step.empty()) notes.push_back("next: " + r.next_step);
  result.outcome = report::outcome_of(r.outcome);
  return result;
}

}  // namespace

Result<CommandResult> run_hsm_status(Context& ctx) {
  KD_ASSIGN_OR_RETURN(host::ApduConnection * card, ctx.connection());
  KD_ASSIGN_OR_RETURN(auto first, runbook::read_hsm(*card));
  if (!first) return Error::make(ErrorKind::kNotSupported, "the token has no SmartCard-HSM applet");
  // "Nothing was spent" is checked: the counters once more, compared.
  KD_ASSIGN_OR_RETURN(auto second, runbook::read_hsm(*card, true));
  runbook::TokenSnapshot before, after;
  before.hsm = *first;
  after.hsm = second;
  KD_ASSIGN_OR_RETURN(access::Channel * channel, ctx.channel());
  const auto check = runbook::check_counters(before, after, channel->guard_refusals());
  const auto findings = runbook::find_issues(before);
  CommandResult result;
  result.output.json = report::hsm_status_json(*first, findings, check, channel->apdus_sent());
  result.output.tables.push_back(properties_table(result.output.json["Hsm"], "SmartCard-HSM"));
  Table table{"Findings", {"Id", "Severity", "Summary"}, {}};
  for (const auto& f : findings) table.rows.push_back({f.id, runbook::severity_name(f.severity), f.summary});
  result.output.tables.push_back(std::move(table));
  for (const auto& f : findings) {
    result.output.notes.push_back(f.id + ":");
    result.output.notes.push_back("  evidence:  " + f.evidence);
    result.output.notes.push_back("  next step: " + f.next_step);
  }
  for (const auto& line : check.statement) result.output.notes.push_back(line);
  return result;
}

Result<CommandResult> run_hsm_init(Context& ctx) {
  // Both secrets are read and checked before the token is opened.
  KD_ASSIGN_OR_RETURN(std::string user_pin, ctx.secret("pin", "Initial user PIN"));
  if (Status ok = runbook::check_hsm_user_pin(user_pin, "the initial user PIN"); !ok) {
    wipe_text(user_pin);
    return ok.error();
  }
  auto so_pin = so_pin_option(ctx, "so-pin", "SO-PIN", user_pin);
  if (!so_pin) {
    wipe_text(user_pin);
    return so_pin.error();
  }
  // The store is opened before the token: an escrow asked for and impossible sends nothing.
  std::unique_ptr<store::RecordStore> records;
  if (auto options = named_store(ctx)) {
    auto opened = store::open_store(*options);
    if (!opened) {
      wipe_text(user_pin);
      return opened.error();
    }
    records = std::move(opened).value();
  }
  auto connection = ctx.connection();
  if (!connection) {
    wipe_text(user_pin);
    return connection.error();
  }
  const auto cuid = runbook::read_cuid(**connection);
  runbook::SoPinEscrow escrow;
  if (records)
    escrow = [&](const std::string& device_id) -> Status {
      return records->vault_put("sc-hsm-so-pin/" + device_id, so_pin->bytes, actor(ctx),
                                ctx.args().value("reason").value_or("hsm-init"));
    };
  auto report = runbook::hsm_initialize(
      **connection, *so_pin, user_pin, protocol::sc_hsm::kUserPinDefaultTries,
      ctx.args().value("confirm-cuid"), cuid ? *cuid : std::string(), ctx.args().has("force"), escrow);
  wipe_text(user_pin);
  if (!report) return report.error();
  auto result = attempt_result(*report, {text_note(*so_pin, "SO-PIN")});
  result.output.json["Escrowed"] = report->escrowed ? ojson(*report->escrowed) : ojson(nullptr);
  if (report->escrowed == true)
    result.output.notes.push_back("the SO-PIN is on record in the store's vault as sc-hsm-so-pin/" +
                                  (report->device_id.empty() ? std::string("<CUID>") : report->device_id));
  else if (!report->escrow_problem.empty())
    result.output.notes.push_back("the SO-PIN was NOT recorded: " + report->escrow_problem);
  else if (!records)
    result.output.notes.push_back("keydesk did not record the SO-PIN (--store records it in the vault)");
  return result;
}

Result<CommandResult> run_hsm_pin_unblock(Context& ctx) {
  KD_ASSIGN_OR_RETURN(auto so_pin, so_pin_option(ctx, "so-pin", "SO-PIN"));
  KD_ASSIGN_OR_RETURN(std::string new_pin, ctx.secret("new-pin", "New user PIN"));
  auto connection =
      runbook::check_hsm_user_pin(new_pin, "the new user PIN")
          ? ctx.connection()
          : Result<host::ApduConnection*>(runbook::check_hsm_user_pin(new_pin, "the new user PIN").error());
  if (!connection) {
    wipe_text(new_pin);
    return connection.error();
  }
  auto report = runbook::hsm_reset_user_pin(**connection, so_pin, new_pin, ctx.args().has("force"));
  wipe_text(new_pin);
  if (!report) return report.error();
  return attempt_result(*report, {text_note(so_pin, "SO-PIN")});
}

Result<CommandResult> run_hsm_so_pin_change(Context& ctx) {
  KD_ASSIGN_OR_RETURN(auto current, so_pin_option(ctx, "so-pin", "SO-PIN"));
  KD_ASSIGN_OR_RETURN(auto replacement, so_pin_option(ctx, "new-so-pin", "new SO-PIN"));
  KD_ASSIGN_OR_RETURN(host::ApduConnection * card, ctx.connection());
  KD_ASSIGN_OR_RETURN(auto report,
                      runbook::hsm_change_so_pin(*card, current, replacement, ctx.args().has("force")));
  return attempt_result(report, {text_note(current, "SO-PIN")});
}

}  // namespace keydesk::cli
