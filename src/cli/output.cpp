#include "cli/output.h"

#include <algorithm>
#include <ostream>

#include "core/text.h"

namespace keydesk::cli {

std::string cell(const nlohmann::ordered_json& value) {
  if (value.is_null()) return "unknown";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  return dump_json(value);
}

std::string dump_json(const nlohmann::ordered_json& value, int indent) {
  // Every text that came from a token or an argument was made valid UTF-8 where it entered (put_text,
  // quoted); replacing here as well means a path that was missed cannot abort the program.
  return value.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Table properties_table(const nlohmann::ordered_json& object, std::string title) {
  Table t{std::move(title), {"Property", "Value"}, {}};
  for (const auto& [key, value] : object.items()) t.rows.push_back({key, cell(value)});
  return t;
}

namespace {

// Columns are measured in code points (the text is valid UTF-8 after terminal_text).
size_t display_width(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(),
                                           [](char c) { return (static_cast<uint8_t>(c) & 0xC0) != 0x80; }));
}

void render_table(const Table& t, std::ostream& out) {
  if (!t.title.empty()) out << terminal_text(t.title) << "\n";
  std::vector<size_t> width(t.header.size(), 0);
  std::vector<std::vector<std::string>> rows;
  rows.reserve(t.rows.size() + 2);
  auto safe = [](const std::vector<std::string>& row) {
    std::vector<std::string> cells;
    for (const auto& c : row) cells.push_back(terminal_text(c));
    return cells;
  };
  rows.push_back(safe(t.header));
  rows.emplace_back();  // the rule, filled in below
  for (const auto& r : t.rows) rows.push_back(safe(r));
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], display_width(row[i]));
  for (size_t w : width) rows[1].push_back(std::string(w, '-'));
  for (const auto& row : rows) {
    std::string text;
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      text += row[i];
      if (i + 1 < row.size()) text += std::string(width[i] - display_width(row[i]) + 2, ' ');
    }
    out << "  " << text << "\n";
  }
}

}  // namespace

void render(const Output& output, bool as_json, std::ostream& out) {
  if (as_json) {
    out << dump_json(output.json, 2) << "\n";
    return;
  }
  for (size_t i = 0; i < output.tables.size(); ++i) {
    if (i > 0) out << "\n";
    render_table(output.tables[i], out);
  }
  if (!output.tables.empty() && !output.notes.empty()) out << "\n";
  for (const auto& n : output.notes) out << terminal_text(n) << "\n";
}

}  // namespace keydesk::cli
