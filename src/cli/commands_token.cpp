// token-info and token-cuid: which tokens are there, and which one this is.
#include "cli/context.h"
#include "cli/handlers.h"
#include "core/text.h"
#include "report/documents.h"
#include "runbook/identity_probe.h"

namespace keydesk::cli {

Result<CommandResult> run_token_info(Context& ctx) {
  KD_ASSIGN_OR_RETURN(const auto tokens, ctx.tokens());
  if (tokens.empty())
    return Error::make(ErrorKind::kNoToken, "no token found in any reader or FIDO interface");
  const std::string problem = ctx.token_source().fido_problem();
  CommandResult result;
  result.output.json = report::token_info_json(tokens, problem);
  Table table{"", {"Index", "Reader", "ATR", "FIDO HID"}, {}};
  for (const auto& t : tokens)
    table.rows.push_back({std::to_string(t.index), t.reader.empty() ? "-" : t.reader, to_hex(t.atr, true),
                          t.fido_path.empty() ? "-" : t.fido_path});
  result.output.tables.push_back(std::move(table));
  if (!problem.empty()) result.output.notes.push_back("FIDO: " + problem);
  return result;
}

Result<CommandResult> run_token_cuid(Context& ctx) {
  KD_ASSIGN_OR_RETURN(host::ApduConnection * connection, ctx.connection());
  KD_ASSIGN_OR_RETURN(const std::string cuid, runbook::read_cuid(*connection));
  KD_ASSIGN_OR_RETURN(const auto token, ctx.token());
  CommandResult result;
  result.output.json = report::token_cuid_json(token, cuid);
  result.output.tables.push_back(
      properties_table(ojson{{"Index", token.index}, {"Reader", token.reader}, {"CUID", cuid}}));
  return result;
}

}  // namespace keydesk::cli
