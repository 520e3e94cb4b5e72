// keydesk explain CODE...: status words (63C5, 6983) and CTAP codes (0x35, 35) in plain words, from the
// tables in core/error.cpp.
#include "cli/context.h"
#include "cli/handlers.h"
#include "core/text.h"
#include "report/documents.h"

namespace keydesk::cli {

Result<CommandResult> run_explain(Context& ctx) {
  const auto& codes = ctx.args().positional;
  if (codes.empty())
    return Error::make(ErrorKind::kUsage, "explain needs a code, e.g. keydesk explain 63C5 0x35");
  std::vector<CodeMeaning> meanings;
  for (const auto& code : codes) {
    auto meaning = report::explain_code(code);
    if (!meaning)
      return Error::make(
          ErrorKind::kUsage,
          quoted_text(code) + " is neither a status word (4 hex digits) nor a known CTAP code");
    meanings.push_back(std::move(*meaning));
  }
  CommandResult result;
  result.output.json = report::explain_json(meanings);
  Table table{"", {"Code", "Meaning", "Next step"}, {}};
  for (const auto& m : meanings) table.rows.push_back({m.name, m.meaning, m.advice});
  result.output.tables.push_back(std::move(table));
  return result;
}

}  // namespace keydesk::cli
