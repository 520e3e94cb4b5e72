// Provisioning (docs/provisioning.md): provision, provision-batch, record secret, vault generate. Thin: read
// the policy and the options, open the token(s) for writing secrets, call src/provision, fill an Output.
#include <pwd.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "access/channel.h"
#include "cli/context.h"
#include "cli/handlers.h"
#include "cli/store_arguments.h"
#include "core/text.h"
#include "provision/channel_link.h"
#include "provision/derivation.h"
#include "provision/executor.h"
#include "provision/vault.h"
#include "report/outcome.h"
#include "store/record_store.h"

namespace keydesk::cli {
namespace {

using nlohmann::ordered_json;

Result<provision::Policy> read_policy(const Context& ctx) {
  auto path = ctx.args().value("policy");
  if (!path) return Error::make(ErrorKind::kUsage, "--policy FILE is required (docs/provisioning.md)");
  std::ifstream in(*path, std::ios::binary);
  if (!in) return Error::make(ErrorKind::kNotFound, "cannot read the policy file " + quoted_text(*path));
  std::string text;
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > provision::kMaxPolicyBytes) break;  // parse_policy says why
  }
  return provision::parse_policy(text);
}

// The options Context::channel() uses, for the channels provision-batch opens itself (one per token).
access::ChannelOptions channel_options(Context& ctx) {
  access::ChannelOptions options;
  if (ctx.args().verbose)
    options.trace = [&ctx](const std::string& line) { ctx.diagnostics() << line << "\n"; };
  options.deadline = ctx.args().timeout;
  options.fido_links = access::fido_links_from_environment();
  return options;
}

// The test-only interruption hook (docs/provisioning.md, "Testing").
std::function<void(const std::string&)> kill_hook() {
  const char* at = std::getenv("KEYDESK_TEST_KILL_AT");
  if (!at || !*at) return {};
  const std::string marker = at;
  return [marker](const std::string& m) {
    if (m == marker) ::raise(SIGKILL);
  };
}

provision::ProvisionOptions options_of(const Context& ctx, provision::Mode mode) {
  provision::ProvisionOptions o;
  o.mode = mode;
  o.user.name = ctx.args().value("user").value_or("");
  o.user.employee_id = ctx.args().value("employee-id").value_or("");
  o.user.email = ctx.args().value("email").value_or("");
  o.actor = actor(ctx);
  o.after_marker = kill_hook();
  return o;
}

ordered_json report_json(const provision::ProvisionReport& r, const std::string& reader) {
  ordered_json steps = ordered_json::array();
  for (const auto& s : r.steps) steps.push_back({{"Step", s.step}, {"Outcome", s.outcome}});
  ordered_json oath = ordered_json::array();
  for (const auto& o : r.record.oath) oath.push_back(o.name);
  ordered_json j{{"Reader", reader},
                 {"CUID", r.cuid.hex()},
                 {"Serial", r.serial},
                 {"Model", r.model},
                 {"Outcome", provision::outcome_name(r.outcome)},
                 {"Run", r.run},
                 {"Resumed", r.resumed},
                 {"Steps", steps},
                 {"Notes", r.notes},
                 {"Record",
                  {{"Provisioning", store::provisioning_name(r.record.provisioning)},
                   {"Status", store::status_name(r.record.status)},
                   {"User", r.record.user.name},
                   {"PinMethod", store::pin_method_name(r.record.pin_method)},
                   {"PukMethod", store::puk_method_name(r.record.puk_method)},
                   {"AdminKeyMethod", store::admin_key_method_name(r.record.admin_key_method)},
                   {"AdminKeyCheckValue", r.record.admin_key_check},
                   {"FidoPolicy", r.record.fido_policy},
                   {"Oath", oath}}}};
  if (!r.export_path.empty()) j["Export"] = r.export_path;
  return j;
}

Result<provision::Mode> mode_of(const Context& ctx) {
  const bool resume = ctx.args().has("resume"), rollback = ctx.args().has("rollback");
  if (resume && rollback) return Error::make(ErrorKind::kUsage, "--resume and --rollback exclude each other");
  return rollback ? provision::Mode::kRollback : resume ? provision::Mode::kResume : provision::Mode::kFresh;
}

}  // namespace

Result<CommandResult> run_provision(Context& ctx) {
  KD_ASSIGN_OR_RETURN(provision::Mode mode, mode_of(ctx));
  KD_ASSIGN_OR_RETURN(provision::Policy policy, read_policy(ctx));
  KD_ASSIGN_OR_RETURN(auto store, store::open_store(store_options(ctx)));
  KD_ASSIGN_OR_RETURN(access::Channel * channel, ctx.channel());
  KD_TRY(channel->card());  // the card link opens now: a token without one fails before anything else
  provision::ChannelLink link(*channel);
  KD_ASSIGN_OR_RETURN(provision::ProvisionReport report,
                      provision::provision_token(link, *store, policy, options_of(ctx, mode)));
  CommandResult result;
  result.output.json = report_json(report, channel->token().reader);
  result.output.json["ApdusSent"] = channel->apdus_sent();
  ordered_json summary{
      {"CUID", report.cuid.hex()},
      {"Serial", report.serial},
      {"Outcome", provision::outcome_name(report.outcome)},
      {"Run", report.run},
      {"PIN method", store::pin_method_name(report.record.pin_method)},
      {"PUK method", store::puk_method_name(report.record.puk_method)},
      {"Admin key", std::string(store::admin_key_method_name(report.record.admin_key_method)) + " (KCV " +
                        report.record.admin_key_check + ")"},
      {"FIDO", report.record.fido_policy}};
  if (!report.export_path.empty()) summary["Export"] = report.export_path;
  result.output.tables.push_back(properties_table(summary, "Provisioning of " + report.cuid.hex()));
  Table steps{"Steps", {"Step", "Outcome"}, {}};
  for (const auto& s : report.steps) steps.rows.push_back({s.step, s.outcome});
  result.output.tables.push_back(std::move(steps));
  for (const auto& n : report.notes) result.output.notes.push_back("note: " + n);
  return result;
}

Result<CommandResult> run_provision_batch(Context& ctx) {
  KD_ASSIGN_OR_RETURN(provision::Policy policy, read_policy(ctx));
  KD_ASSIGN_OR_RETURN(auto store, store::open_store(store_options(ctx)));
  KD_ASSIGN_OR_RETURN(std::vector<access::TokenInfo> all, ctx.tokens());
  std::vector<access::TokenInfo> tokens;
  for (auto& t : all)
    if (!t.reader.empty()) tokens.push_back(std::move(t));
  if (tokens.empty()) return Error::make(ErrorKind::kNoToken, "no token in any reader");

  // A progress bar only for a person watching: stdout a terminal and no --json.
  const bool bar = !ctx.args().json && ::isatty(STDOUT_FILENO) == 1;
  auto draw = [&](size_t done, const std::string& what) {
    if (!bar) return;
    const size_t width = 30, filled = width * done / tokens.size();
    ctx.diagnostics() << "\r[" << std::string(filled, '#') << std::string(width - filled, '.') << "] " << done
                      << "/" << tokens.size() << " " << terminal_text(what) << "\x1b[K" << std::flush;
  };

  CommandResult result;
  ordered_json list = ordered_json::array();
  Table lines{"", {"Reader", "CUID", "Result"}, {}};
  size_t confirmed = 0, failed = 0;
  std::optional<Error> first_failure;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const access::TokenInfo& token = tokens[i];
    draw(i, token.reader);
    access::Channel channel(ctx.token_source(), token, Effect::kWritesSecrets, channel_options(ctx));
    provision::ChannelLink link(channel);
    auto opened = channel.card();
    Result<provision::ProvisionReport> report =
        opened.ok()
            ? provision::provision_token(link, *store, policy, options_of(ctx, provision::Mode::kContinue))
            : Result<provision::ProvisionReport>(opened.error());
    if (report.ok()) {
      ++confirmed;
      list.push_back(report_json(*report, token.reader));
      std::string line = provision::outcome_name(report->outcome);
      if (report->outcome != provision::ProvisionReport::Outcome::kAlreadyConfirmed)
        line += " (run " + std::to_string(report->run) + (report->resumed ? ", resumed" : "") + ")";
      lines.rows.push_back({token.reader, report->cuid.hex(), line});
    } else {
      ++failed;
      if (!first_failure) first_failure = report.error();
      list.push_back({{"Reader", token.reader}, {"Outcome", "failed"}, {"Error", describe(report.error())}});
      lines.rows.push_back({token.reader, "", "failed: " + describe(report.error())});
    }
  }
  draw(tokens.size(), "");
  if (bar) ctx.diagnostics() << "\n";
  result.output.json["Tokens"] = list;
  result.output.json["Provisioned"] = confirmed;
  result.output.json["Failed"] = failed;
  result.output.tables.push_back(std::move(lines));
  if (failed > 0) {
    result.output.notes.push_back(std::to_string(failed) + " of " + std::to_string(tokens.size()) +
                                  " tokens failed; run provision-batch again to resume them");
    result.outcome = report::outcome_of(*first_failure);
  }
  return result;
}

Result<CommandResult> run_record_secret(Context& ctx) {
  const auto& pos = ctx.args().positional;
  if (pos.size() != 2) return Error::make(ErrorKind::kUsage, "record secret takes CUID FIELD");
  auto cuid = iso7816::Cuid::parse(pos[0]);
  if (!cuid) return Error::make(ErrorKind::kUsage, "a CUID is 20 hex digits (keydesk token-cuid prints it)");
  auto field = store::SecretField::parse(pos[1]);
  if (!field)
    return Error::make(
        ErrorKind::kUsage,
        "FIELD is puk, initial-pin, admin-key, piv-management-key, fido-pin or oath-seed/NAME");
  auto reason = ctx.args().value("reason");
  if (!reason || reason->empty())
    return Error::make(ErrorKind::kUsage,
                       "record secret needs --reason (a ticket id): releasing a secret is audited");
  KD_ASSIGN_OR_RETURN(auto store, store::open_store(store_options(ctx)));
  KD_ASSIGN_OR_RETURN(SecureBytes value, store->read_secret(*cuid, *field, actor(ctx), *reason));
  // PINs and PUKs are digits and print as they are; keys and seeds as hex.
  const bool text = pos[1] == "puk" || pos[1] == "initial-pin" || pos[1] == "fido-pin";
  std::string shown =
      text ? std::string(value.begin(), value.end()) : to_hex(ByteView(value.data(), value.size()), true);
  CommandResult result;
  result.output.json["CUID"] = cuid->hex();
  result.output.json["Field"] = field->name();
  result.output.json["Encoding"] = text ? "text" : "hex";
  result.output.json["Value"] = shown;
  result.output.notes.push_back(shown);
  OPENSSL_cleanse(shown.data(), shown.size());
  return result;
}

Result<CommandResult> run_vault_generate(Context& ctx) {
  const auto& pos = ctx.args().positional;
  if (pos.size() != 1) return Error::make(ErrorKind::kUsage, "vault generate takes NAME");
  auto reason = ctx.args().value("reason");
  if (!reason || reason->empty())
    return Error::make(ErrorKind::kUsage, "vault generate needs --reason (a ticket id)");
  size_t bytes = 32;
  if (auto b = ctx.args().value("bytes")) {
    char* end = nullptr;
    const unsigned long n = std::strtoul(b->c_str(), &end, 10);
    if (b->empty() || *end || n < 16 || n > 64) return Error::make(ErrorKind::kUsage, "--bytes is 16..64");
    bytes = n;
  }
  KD_ASSIGN_OR_RETURN(auto store, store::open_store(store_options(ctx)));
  KD_TRY(provision::create_vault_master(*store, pos[0], bytes, actor(ctx), *reason));
  CommandResult result;
  result.output.json["Name"] = pos[0];
  result.output.json["Bytes"] = bytes;
  result.output.tables.push_back(properties_table(result.output.json, "Vault secret created"));
  return result;
}

}  // namespace keydesk::cli
