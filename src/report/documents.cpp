#include "report/documents.h"

#include <charconv>

#include "core/text.h"
#include "report/hsm_json.h"
#include "runbook/survival.h"

namespace keydesk::report {
namespace {

// The CTAP part shared by the FIDO attempt documents.
void put_fido_attempt(ojson& j, const runbook::FidoAttemptReport& attempt) {
  j["CtapStatus"] = ctap_name(attempt.ctap_status);
  j["PinRetriesBefore"] = or_null(attempt.before);
  j["PinRetriesAfter"] = or_null(attempt.after);
}

}  // namespace

ojson token_info_json(const std::vector<access::TokenInfo>& tokens, const std::string& fido_problem) {
  ojson j;
  auto& list = j["Tokens"] = ojson::array();
  for (const auto& t : tokens) {
    ojson entry{{"Index", t.index}};
    put_text(entry, "Reader", t.reader);
    entry["ATR"] = to_hex(t.atr, true);
    entry["FIDO"] = nullptr;
    if (!t.fido_path.empty()) put_text(entry, "FIDO", t.fido_path);
    list.push_back(std::move(entry));
  }
  if (!fido_problem.empty()) j["FidoProblem"] = fido_problem;
  return j;
}

ojson token_cuid_json(const access::TokenInfo& token, const std::string& cuid) {
  ojson j{{"Index", token.index}};
  put_text(j, "Reader", token.reader);
  j["CUID"] = cuid;
  return j;
}

ojson attempt_json(const runbook::AttemptReport& r) {
  auto meaning = explain_status_word(r.status_word);
  ojson j = {{"Reference", r.reference},
             {"Source", r.source},
             {"StatusWord", meaning ? meaning->name : std::to_string(r.status_word)},
             {"Meaning", meaning ? meaning->meaning : "unknown status word"},
             {"Outcome", runbook::attempt_outcome_name(r.outcome)},
             {"RetriesBefore", or_null(r.before)},
             {"RetriesAfter", or_null(r.after)},
             {"MaxRetries", or_null(r.max)}};
  j["NextStep"] = r.next_step.empty() ? ojson(nullptr) : ojson(r.next_step);
  j["LoggedOut"] = r.logged_out;
  return j;
}

ojson fido_credentials_json(const runbook::FidoCredentialListing& listing) {
  ojson j;
  j["Credentials"] = ojson::array();
  for (const auto& c : listing.credentials) {
    ojson entry;
    put_text(entry, "RpId", c.rp_id);
    put_text(entry, "UserName", c.user_name);
    entry["CredentialId"] = to_hex(c.credential_id);
    j["Credentials"].push_back(std::move(entry));
  }
  put_fido_attempt(j, listing.attempt);
  return j;
}

ojson fido_pin_change_json(const runbook::FidoPinChangeReport& change) {
  ojson j;
  j["Operation"] = runbook::fido_pin_operation_name(change.operation);
  put_fido_attempt(j, change.attempt);
  return j;
}

ojson destruction_json(const runbook::DestructionReport& d) {
  ojson j;
  j["Command"] = d.operation;
  j["CUID"] = d.cuid;
  if (d.spends_all_pin_and_puk_tries) j["SpendsAllPinAndPukTries"] = *d.spends_all_pin_and_puk_tries;
  j["Done"] = d.done();
  if (d.refused)
    j["Refused"] = describe(*d.refused);
  else
    j["Steps"] = d.steps;
  return j;
}

ojson diagnose_json(const runbook::Diagnosis& d) {
  const auto& snapshot = d.snapshot;
  ojson j;
  j["Token"] = {{"Index", snapshot.identity.index}};
  put_text(j["Token"], "Reader", snapshot.identity.reader);
  j["Token"]["ATR"] = snapshot.identity.atr;
  j["Token"]["CUID"] = snapshot.identity.cuid.empty() ? ojson(nullptr) : ojson(snapshot.identity.cuid);
  j["Token"]["TokensPresent"] = snapshot.tokens_present;
  j["Symptom"] = runbook::symptom_name(d.symptom);
  j["PinToCheck"] = {{"Pin", d.pin.pin}, {"Reason", d.pin.reason}};
  j["Findings"] = findings_json(d.findings);
  j["AccessControl"] = snapshot.access ? access_control_json(*snapshot.access) : ojson(nullptr);
  j["Oath"] = snapshot.oath ? oath_json(*snapshot.oath) : ojson(nullptr);
  j["Fido"] = snapshot.fido ? fido_json(*snapshot.fido) : ojson(nullptr);
  j["Hsm"] = snapshot.hsm ? hsm_state_json(*snapshot.hsm) : ojson(nullptr);
  j["Complete"] = snapshot.complete();
  j["ProbeErrors"] = ojson::object();
  for (const auto& [probe, error] : snapshot.probe_errors)
    j["ProbeErrors"][probe] = {{"kind", error_kind_name(error.kind)},
                               {"message", terminal_text(describe(error))}};
  j["CounterCheck"] = counter_check_json(d.check);
  j["ApdusSent"] = d.apdus_sent;
  return j;
}

std::optional<CodeMeaning> explain_code(std::string_view code) {
  std::string_view digits = code;
  if (digits.starts_with("0x") || digits.starts_with("0X")) digits.remove_prefix(2);
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, 16);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || digits.empty()) return std::nullopt;
  // Four hex digits are a status word; one byte (0x35 or 35) is a CTAP status.
  if (digits.size() == 4) return explain_status_word(static_cast<uint16_t>(value));
  if (digits.size() <= 2) return explain_ctap(static_cast<uint8_t>(value));
  return std::nullopt;
}

ojson explain_json(const std::vector<CodeMeaning>& meanings) {
  ojson j;
  auto& list = j["codes"] = ojson::array();
  for (const auto& m : meanings)
    list.push_back({{"code", m.name}, {"meaning", m.meaning}, {"next_step", m.advice}});
  return j;
}

ojson error_json(const Error& error, int exit_code) {
  // Messages quote arguments and names through quoted_text() (valid UTF-8, escaped); terminal_text here as
  // well keeps any context that was missed printable.
  ojson j{{"error",
           {{"kind", error_kind_name(error.kind)},
            {"message", terminal_text(describe(error))},
            {"exit_code", exit_code}}}};
  if (error.kind == ErrorKind::kStatusWord || error.kind == ErrorKind::kCtap) j["error"]["code"] = error.code;
  return j;
}

}  // namespace keydesk::report
