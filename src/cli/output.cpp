#include "cli/output.h"

#include <algorithm>
#include <ostream>

namespace keydesk::cli {

std::string cell(const nlohmann::ordered_json& value) {
  if (value.is_null()) return "unknown";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  return value.dump();
}

Table properties_table(const nlohmann::ordered_json& object, std::string title) {
  Table t{std::move(title), {"Property", "Value"}, {}};
  for (const auto& [key, value] : object.items()) t.rows.push_back({key, cell(value)});
  return t;
}

namespace {

void render_table(const Table& t, std::ostream& out) {
  if (!t.title.empty()) out << t.title << "\n";
  std::vector<size_t> width(t.header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) width[i] = std::max(width[i], row[i].size());
  };
  measure(t.header);
  for (const auto& r : t.rows) measure(r);
  auto line = [&](const std::vector<std::string>& row) {
    std::string text;
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      text += row[i];
      if (i + 1 < row.size()) text += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out << "  " << text << "\n";
  };
  line(t.header);
  std::vector<std::string> rule;
  for (size_t w : width) rule.push_back(std::string(w, '-'));
  line(rule);
  for (const auto& r : t.rows) line(r);
}

}  // namespace

void render(const Output& output, bool as_json, std::ostream& out) {
  if (as_json) {
    out << output.json.dump(2) << "\n";
    return;
  }
  for (size_t i = 0; i < output.tables.size(); ++i) {
    if (i > 0) out << "\n";
    render_table(output.tables[i], out);
  }
  if (!output.tables.empty() && !output.notes.empty()) out << "\n";
  for (const auto& n : output.notes) out << n << "\n";
}

}  // namespace keydesk::cli
