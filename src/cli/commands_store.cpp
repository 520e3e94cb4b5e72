// The record store commands (docs/store.md): store init, store rotate-key, audit verify, record show,
// record set-status. Thin: parse the options, call src/store, fill an Output. None touches a token.
#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "cli/context.h"
#include "cli/handlers.h"
#include "cli/store_arguments.h"
#include "store/record_store.h"
#include "store/store_url.h"

namespace keydesk::cli {
namespace {

using nlohmann::ordered_json;
using store::LifecycleStatus;

ordered_json store_json(const store::StoreInfo& info) {
  return {{"Backend", info.backend},      {"Location", info.location},
          {"StoreId", info.store_id},     {"SchemaVersion", info.schema_version},
          {"MasterKey", info.master_key}, {"DataKeyGeneration", info.data_key_generation}};
}

Result<std::unique_ptr<store::RecordStore>> open(const Context& ctx) {
  return store::open_store(store_options(ctx));
}

std::string now_iso() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

ordered_json record_json(const store::TokenRecord& r) {
  ordered_json certs = ordered_json::array();
  const std::string now = now_iso();
  for (const auto& c : r.certificates)
    certs.push_back({{"Slot", c.slot},
                     {"Subject", c.subject},
                     {"Serial", c.serial},
                     {"NotAfter", c.not_after},
                     {"Expired", !c.not_after.empty() && c.not_after < now}});
  ordered_json oath = ordered_json::array();
  for (const auto& o : r.oath) {
    ordered_json cred{{"Name", o.name}, {"Type", o.type}, {"Algorithm", o.algorithm}, {"Digits", o.digits}};
    if (o.type == "hotp")
      cred["Counter"] = o.counter;
    else
      cred["Period"] = o.period;
    cred["PskcRef"] = o.pskc_ref;
    cred["SeedOnRecord"] =
        std::find(r.secrets_on_record.begin(), r.secrets_on_record.end(),
                  store::SecretField::oath_seed(o.name).name()) != r.secrets_on_record.end();
    oath.push_back(cred);
  }
  auto on_record = [&](const store::SecretField& f) {
    return std::find(r.secrets_on_record.begin(), r.secrets_on_record.end(), f.name()) !=
           r.secrets_on_record.end();
  };
  return {{"CUID", r.cuid.hex()},
          {"CuidSource", store::cuid_source_name(r.cuid_source)},
          {"Serial", r.serial},
          {"Model", r.model},
          {"ATR", r.atr},
          {"Status", store::status_name(r.status)},
          {"StatusReason", r.status_reason},
          {"StatusOperator", r.status_operator},
          {"StatusChangedAt", r.status_changed_at},
          {"Provisioning", store::provisioning_name(r.provisioning)},
          {"User", {{"Name", r.user.name}, {"EmployeeId", r.user.employee_id}, {"Email", r.user.email}}},
          {"ProvisionedAt", r.provisioned_at},
          {"ProvisionedBy", r.provisioned_by},
          {"PinMethod", store::pin_method_name(r.pin_method)},
          {"InitialPinOnRecord", on_record(store::SecretField::initial_pin())},
          {"PukMethod", store::puk_method_name(r.puk_method)},
          {"PukOnRecord", on_record(store::SecretField::puk())},
          {"AdminKeyMethod", store::admin_key_method_name(r.admin_key_method)},
          {"AdminKeyCheckValue", r.admin_key_check},
          {"AdminKeyOnRecord", on_record(store::SecretField::admin_key())},
          {"FidoPolicy", r.fido_policy},
          {"Certificates", certs},
          {"Oath", oath},
          {"Version", r.version},
          {"CreatedAt", r.created_at},
          {"UpdatedAt", r.updated_at}};
}

const char* on_record_text(bool on) {
  return on ? "on record" : "not on record";
}

void add_record_tables(Output& out, const store::TokenRecord& r, const ordered_json& j,
                       const std::vector<store::AuditEntry>& history) {
  auto with = [](const std::string& main, const std::string& extra) {
    return extra.empty() ? main : main + " (" + extra + ")";
  };
  Table t{"Token " + r.cuid.hex(), {"Property", "Value"}, {}};
  t.rows = {
      {"CUID source", store::cuid_source_name(r.cuid_source)},
      {"Serial / model", with(r.serial, r.model)},
      {"Status", with(store::status_name(r.status),
                      r.status_reason + (r.status_operator.empty() ? "" : ", by " + r.status_operator) +
                          (r.status_changed_at.empty() ? "" : ", " + r.status_changed_at))},
      {"Provisioning", store::provisioning_name(r.provisioning)},
      {"User", with(r.user.name, r.user.employee_id + (r.user.email.empty() ? "" : ", " + r.user.email))},
      {"Provisioned", with(r.provisioned_at, r.provisioned_by.empty() ? "" : "by " + r.provisioned_by)},
      {"Initial PIN", with(store::pin_method_name(r.pin_method), on_record_text(j["InitialPinOnRecord"]))},
      {"PUK", with(store::puk_method_name(r.puk_method), on_record_text(j["PukOnRecord"]))},
      {"Admin key", with(store::admin_key_method_name(r.admin_key_method),
                         (r.admin_key_check.empty() ? "" : "KCV " + r.admin_key_check + ", ") +
                             on_record_text(j["AdminKeyOnRecord"]))},
      {"FIDO policy", r.fido_policy},
      {"Version", std::to_string(r.version) + " (updated " + r.updated_at + ")"}};
  out.tables.push_back(std::move(t));
  if (!r.certificates.empty()) {
    Table c{"PIV certificates", {"Slot", "Subject", "Serial", "Not after"}, {}};
    for (const auto& cert : j["Certificates"])
      c.rows.push_back(
          {cert["Slot"], cert["Subject"], cert["Serial"],
           cert["NotAfter"].get<std::string>() + (cert["Expired"].get<bool>() ? "  EXPIRED" : "")});
    out.tables.push_back(std::move(c));
  }
  if (!r.oath.empty()) {
    Table o{
        "OATH credentials", {"Name", "Type", "Algorithm", "Digits", "Counter/period", "PSKC", "Seed"}, {}};
    for (const auto& cred : r.oath)
      o.rows.push_back(
          {cred.name, cred.type, cred.algorithm, std::to_string(cred.digits),
           cred.type == "hotp" ? std::to_string(cred.counter) : std::to_string(cred.period) + " s",
           cred.pskc_ref,
           on_record_text(std::find(r.secrets_on_record.begin(), r.secrets_on_record.end(),
                                    store::SecretField::oath_seed(cred.name).name()) !=
                          r.secrets_on_record.end())});
    out.tables.push_back(std::move(o));
  }
  if (!history.empty()) {
    Table h{"History (newest last)", {"Seq", "At", "Operator", "Action", "Reason"}, {}};
    for (const auto& e : history)
      h.rows.push_back({std::to_string(e.seq), e.at, e.operator_name, e.action, e.reason});
    out.tables.push_back(std::move(h));
  }
}

ordered_json history_json(const std::vector<store::AuditEntry>& history) {
  ordered_json list = ordered_json::array();
  for (const auto& e : history)
    list.push_back({{"Seq", e.seq},
                    {"At", e.at},
                    {"Operator", e.operator_name},
                    {"Action", e.action},
                    {"Details", ordered_json::parse(e.details, nullptr, false)},
                    {"Reason", e.reason}});
  return list;
}

}  // namespace

Result<CommandResult> run_store_init(Context& ctx) {
  KD_ASSIGN_OR_RETURN(store::InitResult made, store::init_store(store_options(ctx), actor(ctx)));
  CommandResult result;
  result.output.json["Store"] = store_json(made.store->info());
  result.output.json["MasterKeyCreated"] = made.master_key_created;
  result.output.tables.push_back(properties_table(result.output.json["Store"], "Record store initialised"));
  result.output.notes.push_back(
      made.master_key_created
          ? "A new master key was created: back it up apart from the store; without it no "
            "sealed secret can be opened."
          : "The existing master key was used.");
  return result;
}

Result<CommandResult> run_store_rotate_key(Context& ctx) {
  auto next = ctx.args().value("new-master-key");
  if (!next)
    return Error::make(ErrorKind::kUsage, "store rotate-key needs --new-master-key file:PATH or pkcs11:...");
  KD_ASSIGN_OR_RETURN(auto opened, open(ctx));
  const std::string from = opened->info().master_key;
  bool created = false;
  KD_ASSIGN_OR_RETURN(auto key, store::create_master_key(*next, &created));
  KD_TRY(opened->rotate_master_key(std::move(key), actor(ctx), reason(ctx)));
  CommandResult result;
  result.output.json["From"] = from;
  result.output.json["To"] = opened->info().master_key;
  result.output.json["MasterKeyCreated"] = created;
  result.output.json["Store"] = store_json(opened->info());
  result.output.tables.push_back(Table{
      "Master key rotated", {"Property", "Value"}, {{"From", from}, {"To", opened->info().master_key}}});
  result.output.notes.push_back(
      "The data key was rewrapped; sealed secrets and the audit trail are unchanged. The old "
      "master key no longer opens this store: retire it once backups are rotated too.");
  return result;
}

Result<CommandResult> run_audit_verify(Context& ctx) {
  KD_ASSIGN_OR_RETURN(auto opened, open(ctx));
  KD_ASSIGN_OR_RETURN(store::AuditReport report, opened->verify_audit());
  CommandResult result;
  auto& j = result.output.json;
  j["Ok"] = report.ok();
  j["Entries"] = report.entries;
  j["HeadSeq"] = report.head_seq;
  j["HeadHash"] = report.head_hash;
  ordered_json findings = ordered_json::array();
  Table t{"Damage found, in chain order", {"Kind", "Seq", "Record", "Detail"}, {}};
  for (const auto& f : report.findings) {
    findings.push_back({{"Kind", store::audit_damage_name(f.kind)},
                        {"Seq", f.seq},
                        {"Subject", f.subject},
                        {"Detail", f.detail}});
    t.rows.push_back(
        {store::audit_damage_name(f.kind), f.seq ? std::to_string(f.seq) : "", f.subject, f.detail});
  }
  j["Findings"] = findings;
  j["Store"] = store_json(opened->info());
  if (report.ok()) {
    result.output.notes.push_back("audit trail intact: " + std::to_string(report.entries) +
                                  " entries, every record and vault secret matches it");
    result.output.notes.push_back("head: seq " + std::to_string(report.head_seq) + ", " + report.head_hash +
                                  " (note it elsewhere to detect a later rollback of the whole store)");
  } else {
    result.output.tables.push_back(std::move(t));
    result.output.notes.push_back(
        "the store was changed outside keydesk: " + std::to_string(report.findings.size()) +
        " finding(s). A record that fails its check is refused when used; damage at the head of the trail "
        "stops "
        "every write until the store is restored (docs/store.md)");
    result.outcome = report::Outcome::kIntegrity;
  }
  return result;
}

Result<CommandResult> run_record_add(Context& ctx) {
  const auto& pos = ctx.args().positional;
  if (pos.size() != 1) return Error::make(ErrorKind::kUsage, "record add takes one CUID");
  auto cuid = iso7816::Cuid::parse(pos[0]);
  if (!cuid) return Error::make(ErrorKind::kUsage, "a CUID is 20 hex digits (keydesk token-cuid prints it)");
  store::TokenRecord r;
  r.cuid = *cuid;
  r.status = LifecycleStatus::kInStock;
  r.serial = ctx.args().value("serial").value_or("");
  r.model = ctx.args().value("model").value_or("");
  KD_ASSIGN_OR_RETURN(auto opened, open(ctx));
  KD_ASSIGN_OR_RETURN(store::TokenRecord made, opened->create_record(r, {}, actor(ctx), reason(ctx)));
  CommandResult result;
  result.output.json["Record"] = record_json(made);
  result.output.tables.push_back(Table{"Token in stock",
                                       {"Property", "Value"},
                                       {{"CUID", made.cuid.hex()},
                                        {"Serial", made.serial},
                                        {"Model", made.model},
                                        {"Status", store::status_name(made.status)}}});
  return result;
}

Result<CommandResult> run_record_show(Context& ctx) {
  const auto& pos = ctx.args().positional;
  const auto user = ctx.args().value("user");
  if (pos.size() > 1 || (pos.empty() == !user))
    return Error::make(ErrorKind::kUsage, "record show takes a CUID or --user NAME");
  KD_ASSIGN_OR_RETURN(auto opened, open(ctx));
  std::vector<store::TokenRecord> records;
  if (user) {
    KD_ASSIGN_OR_RETURN(records, opened->find_by_user(*user));
    if (records.empty()) return Error::make(ErrorKind::kNotFound, "no record for user " + *user);
  } else {
    auto cuid = iso7816::Cuid::parse(pos[0]);
    if (!cuid)
      return Error::make(ErrorKind::kUsage, "a CUID is 20 hex digits (keydesk token-cuid prints it)");
    KD_ASSIGN_OR_RETURN(store::TokenRecord r, opened->get_record(*cuid));
    records.push_back(std::move(r));
  }
  CommandResult result;
  ordered_json list = ordered_json::array();
  for (const auto& r : records) {
    KD_ASSIGN_OR_RETURN(auto history, opened->audit_trail(r.cuid.hex(), 10));
    ordered_json j = record_json(r);
    j["History"] = history_json(history);
    add_record_tables(result.output, r, j, history);
    list.push_back(std::move(j));
  }
  result.output.json["Records"] = list;
  return result;
}

Result<CommandResult> run_record_set_status(Context& ctx) {
  const auto& pos = ctx.args().positional;
  if (pos.size() != 2) return Error::make(ErrorKind::kUsage, "record set-status takes CUID STATUS");
  auto cuid = iso7816::Cuid::parse(pos[0]);
  if (!cuid) return Error::make(ErrorKind::kUsage, "a CUID is 20 hex digits (keydesk token-cuid prints it)");
  auto to = store::parse_status(pos[1]);
  if (!to)
    return Error::make(ErrorKind::kUsage,
                       "STATUS is one of in-stock, active, suspended, lost, decommissioned");
  if (reason(ctx).empty())
    return Error::make(ErrorKind::kUsage, "record set-status needs --reason (a ticket id)");
  KD_ASSIGN_OR_RETURN(auto opened, open(ctx));
  KD_ASSIGN_OR_RETURN(store::TokenRecord before, opened->get_record(*cuid));
  KD_ASSIGN_OR_RETURN(store::TokenRecord after,
                      opened->set_status(*cuid, *to, actor(ctx), reason(ctx), before.version));
  CommandResult result;
  result.output.json["CUID"] = after.cuid.hex();
  result.output.json["From"] = store::status_name(before.status);
  result.output.json["To"] = store::status_name(after.status);
  result.output.json["Reason"] = after.status_reason;
  result.output.json["Operator"] = after.status_operator;
  result.output.json["Version"] = after.version;
  result.output.tables.push_back(properties_table(result.output.json, "Status changed"));
  return result;
}

}  // namespace keydesk::cli
