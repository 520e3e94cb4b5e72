// keydesk explain CODE...: status words (63C5, 6983) and CTAP codes (0x35, 35) in plain words, from the
// tables in core/error.cpp.
#include <charconv>

#include "cli/context.h"
#include "cli/handlers.h"
#include "core/text.h"

namespace keydesk::cli {
namespace {

std::optional<CodeMeaning> lookup(const std::string& code) {
  std::string digits = code;
  const bool prefixed = digits.starts_with("0x") || digits.starts_with("0X");
  if (prefixed) digits = digits.substr(2);
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, 16);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || digits.empty()) return std::nullopt;
  // Four hex digits are a status word; one byte (0x35 or 35) is a CTAP status.
  if (digits.size() == 4) return explain_status_word(static_cast<uint16_t>(value));
  if (digits.size() <= 2) return explain_ctap(static_cast<uint8_t>(value));
  return std::nullopt;
}

}  // namespace

Result<CommandResult> run_explain(Context& ctx) {
  const auto& codes = ctx.args().positional;
  if (codes.empty())
    return Error::make(ErrorKind::kUsage, "explain needs a code, e.g. keydesk explain 63C5 0x35");
  CommandResult result;
  Table table{"", {"Code", "Meaning", "Next step"}, {}};
  auto& list = result.output.json["codes"] = nlohmann::ordered_json::array();
  for (const auto& code : codes) {
    auto meaning = lookup(code);
    if (!meaning)
      return Error::make(
          ErrorKind::kUsage,
          quoted_text(code) + " is neither a status word (4 hex digits) nor a known CTAP code");
    table.rows.push_back({meaning->name, meaning->meaning, meaning->advice});
    list.push_back({{"code", meaning->name}, {"meaning", meaning->meaning}, {"next_step", meaning->advice}});
  }
  result.output.tables.push_back(std::move(table));
  return result;
}

}  // namespace keydesk::cli
