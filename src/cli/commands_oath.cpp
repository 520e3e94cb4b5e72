// otp-props-get: the OATH credentials, never calculated (a HOTP calculation would advance its counter).
#include "cli/context.h"
#include "cli/handlers.h"
#include "report/snapshot_json.h"
#include "runbook/oath_probe.h"

namespace keydesk::cli {

Result<CommandResult> run_otp_props_get(Context& ctx) {
  auto connection = ctx.connection();
  if (!connection) return connection.error();
  auto oath = runbook::read_oath(**connection);
  if (!oath) return oath.error();
  CommandResult result;
  result.output.json = report::oath_json(*oath);
  Table table{
      "", {"FriendlyName", "Type", "Algorithm", "Digits", "Counter/Period", "Contact", "Contactless"}, {}};
  // The name column shows the token's bytes (escaped by the renderer), not the JSON's U+FFFD form.
  const auto& listed = result.output.json["Credentials"];
  for (size_t i = 0; i < listed.size(); ++i) {
    const auto& c = listed[i];
    table.rows.push_back({oath->credentials[i].name, cell(c["Type"]), cell(c["Algorithm"]), cell(c["Digits"]),
                          c.contains("Counter") ? cell(c["Counter"]) : cell(c["Period"]) + " s",
                          cell(c["ContactUsageACR"]), cell(c["ContactlessUsageACR"])});
  }
  result.output.tables.push_back(std::move(table));
  if (!oath->properties_available)
    result.output.notes.push_back(
        "this token lists names only: counters, digits and access rules are unknown");
  return result;
}

}  // namespace keydesk::cli
