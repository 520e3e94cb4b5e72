// token-info and token-cuid: which tokens are there, and which one this is.
#include "cli/context.h"
#include "cli/handlers.h"
#include "runbook/identity_probe.h"

namespace keydesk::cli {

Result<CommandResult> run_token_info(Context& ctx) {
  auto tokens = ctx.tokens();
  if (!tokens) return tokens.error();
  if (tokens->empty())
    return Error::make(ErrorKind::kNoToken, "no token found in any reader or FIDO interface");
  CommandResult result;
  Table table{"", {"Index", "Reader", "ATR", "FIDO HID"}, {}};
  auto& list = result.output.json["Tokens"] = nlohmann::ordered_json::array();
  for (const auto& t : *tokens) {
    const std::string fido = t.fido_path.empty() ? "-" : t.fido_path;
    table.rows.push_back(
        {std::to_string(t.index), t.reader.empty() ? "-" : t.reader, to_hex(t.atr, true), fido});
    list.push_back({{"Index", t.index},
                    {"Reader", t.reader},
                    {"ATR", to_hex(t.atr, true)},
                    {"FIDO", t.fido_path.empty() ? nlohmann::ordered_json(nullptr)
                                                 : nlohmann::ordered_json(t.fido_path)}});
  }
  result.output.tables.push_back(std::move(table));
  if (auto problem = ctx.token_source().fido_problem(); !problem.empty()) {
    result.output.json["FidoProblem"] = problem;
    result.output.notes.push_back("FIDO: " + problem);
  }
  return result;
}

Result<CommandResult> run_token_cuid(Context& ctx) {
  auto connection = ctx.connection();
  if (!connection) return connection.error();
  auto cuid = runbook::read_cuid(**connection);
  if (!cuid) return cuid.error();
  auto token = ctx.token();
  CommandResult result;
  result.output.json = {{"Index", token->index}, {"Reader", token->reader}, {"CUID", *cuid}};
  result.output.tables.push_back(properties_table(result.output.json));
  return result;
}

}  // namespace keydesk::cli
