// keydesk fleet-report (docs/provisioning.md, "Fleet report"): the rollout gaps counted over the store in
// one aggregate query, and with --tokens every connected token read through a read-only channel and
// compared with its record. Thin: src/fleet computes and renders.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "access/channel.h"
#include "cli/context.h"
#include "cli/handlers.h"
#include "cli/store_arguments.h"
#include "core/text.h"
#include "fleet/fleet_report.h"
#include "fleet/record_check.h"
#include "runbook/diagnose.h"
#include "store/record_store.h"

namespace keydesk::cli {
namespace {

using nlohmann::ordered_json;

// One token, read-only (no FIDO: the gaps need the card applets only), looked up in the store.
fleet::SeenToken read_token(Context& ctx, store::RecordStore& store, const access::TokenInfo& token,
                            int present) {
  fleet::SeenToken seen;
  seen.reader = token.reader;
  access::ChannelOptions options;
  options.deadline = ctx.args().timeout;
  access::Channel channel(ctx.token_source(), token, access::Effect::kReadOnly, std::move(options));
  auto card = channel.card();
  if (!card.ok()) {
    seen.problem = describe(card.error());
    return seen;
  }
  runbook::TokenIdentity identity{token.index, token.reader, to_hex(token.atr, true), {}, {}, {}};
  const runbook::TokenSnapshot snapshot = runbook::take_snapshot(identity, present, *card, nullptr);
  for (const auto& [probe, error] : snapshot.probe_errors)
    if (is_link_failure(error)) {
      seen.problem = probe + ": " + describe(error);
      return seen;
    }
  const auto key = fleet::record_key(snapshot.identity);
  if (!key) {
    seen.problem = "the token gave neither a CUID nor a serial";
    return seen;
  }
  seen.cuid = key->hex();
  auto record = store.get_record(*key);
  if (!record.ok()) {
    if (record.error().kind != ErrorKind::kNotFound) seen.problem = describe(record.error());
    return seen;
  }
  seen.recorded = true;
  seen.status = store::status_name(record->status);
  seen.pin_still_default = fleet::pin_state(*record, snapshot).still_provisioned;
  seen.puk_on_record = std::find(record->secrets_on_record.begin(), record->secrets_on_record.end(), "puk") !=
                       record->secrets_on_record.end();
  for (const auto& c : fleet::hotp_counters(*record, snapshot))
    if (!c.aligned().value_or(false)) ++seen.hotp_not_aligned;
  return seen;
}

// Written next to its final name, synced, then renamed: a reader never sees half a report.
Status write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error::make(ErrorKind::kIo, "cannot write " + quoted_text(path));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      return Error::make(ErrorKind::kIo, "cannot write " + quoted_text(path));
    }
    done += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Error::make(ErrorKind::kIo, "cannot write " + quoted_text(path));
  }
  return {};
}

}  // namespace

Result<CommandResult> run_fleet_report(Context& ctx) {
  KD_ASSIGN_OR_RETURN(auto store, store::open_store(store_options(ctx)));
  fleet::FleetReport report;
  report.generated_at = fleet::now_iso8601();
  report.store = store->info().location;
  KD_ASSIGN_OR_RETURN(report.figures, store->fleet_figures(report.generated_at));
  KD_ASSIGN_OR_RETURN(report.by_status, store->count_by_status());
  if (ctx.args().has("tokens")) {
    report.tokens_read = true;
    KD_ASSIGN_OR_RETURN(const auto tokens, ctx.tokens());
    for (const auto& t : tokens)
      if (!t.reader.empty())
        report.seen.push_back(read_token(ctx, *store, t, static_cast<int>(tokens.size())));
  }
  CommandResult result;
  result.output.json = fleet::fleet_json(report);
  Table table{"Rollout gaps (" + std::to_string(report.figures.in_service) + " of " +
                  std::to_string(report.figures.records) + " tokens in service)",
              {"Gap", "On record", report.tokens_read ? "Connected tokens" : ""},
              {}};
  if (!report.tokens_read) table.header.pop_back();
  for (const auto& gap : fleet::gaps(report)) {
    std::vector<std::string> row{gap.words, gap.key == "SeenNotRecorded" ? "-" : std::to_string(gap.records)};
    if (report.tokens_read) row.push_back(gap.tokens ? std::to_string(*gap.tokens) : "-");
    table.rows.push_back(std::move(row));
  }
  result.output.tables.push_back(std::move(table));
  if (report.tokens_read) {
    Table seen{"Connected tokens",
               {"Reader", "CUID", "Record", "PIN still default", "PUK on record", "HOTP not aligned"},
               {}};
    for (const auto& t : report.seen) {
      if (!t.problem.empty()) {
        seen.rows.push_back({t.reader, t.cuid, "unreadable: " + t.problem, "", "", ""});
        continue;
      }
      seen.rows.push_back({t.reader, t.cuid, t.recorded ? t.status : "NOT RECORDED",
                           t.pin_still_default ? (*t.pin_still_default ? "yes" : "no") : "unknown",
                           t.recorded ? (t.puk_on_record ? "yes" : "no") : "-",
                           std::to_string(t.hotp_not_aligned)});
    }
    result.output.tables.push_back(std::move(seen));
  }
  result.output.notes.push_back(std::to_string(report.figures.provisioning_pending) +
                                " provisioning runs interrupted and not resumed; " +
                                std::to_string(report.figures.expired_certificates) +
                                " tokens in service with an expired certificate.");
  if (auto html = ctx.args().value("html")) {
    KD_TRY(write_file(*html, fleet::fleet_html(report)));
    result.output.json["Html"] = *html;
    result.output.notes.push_back("HTML report: " + *html);
  }
  return result;
}

}  // namespace keydesk::cli
