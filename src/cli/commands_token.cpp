// token-info and token-cuid: which tokens are there, and which one this is.
#include "cli/context.h"
#include "cli/handlers.h"
#include "core/text.h"
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
    nlohmann::ordered_json entry{{"Index", t.index}};
    put_text(entry, "Reader", t.reader);
    entry["ATR"] = to_hex(t.atr, true);
    entry["FIDO"] = nullptr;
    if (!t.fido_path.empty()) put_text(entry, "FIDO", t.fido_path);
    list.push_back(std::move(entry));
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
  result.output.json = {{"Index", token->index}};
  put_text(result.output.json, "Reader", token->reader);
  result.output.json["CUID"] = *cuid;
  result.output.tables.push_back(properties_table(
      nlohmann::ordered_json{{"Index", token->index}, {"Reader", token->reader}, {"CUID", *cuid}}));
  return result;
}

}  // namespace keydesk::cli
