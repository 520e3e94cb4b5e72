// What a command prints: a JSON document (--json) and the tables a person reads. One renderer for all
// commands; a command only fills an Output.
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace keydesk::cli {

using ojson = nlohmann::ordered_json;

struct Table {
  std::string title;  // may be empty
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

struct Output {
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  std::vector<Table> tables;
  std::vector<std::string> notes;  // plain lines after the tables (human output only)
};

// A flat JSON object as a two-column Property | Value table (nested values as compact JSON, null as
// "unknown").
Table properties_table(const nlohmann::ordered_json& object, std::string title = {});
// JSON scalars as text the way tables show them.
std::string cell(const nlohmann::ordered_json& value);

// JSON as text that is always valid UTF-8 (never throws on a string that is not).
std::string dump_json(const nlohmann::ordered_json& value, int indent = -1);

// --json: the document. Otherwise the tables and notes, every cell and line through terminal_text()
// (core/text.h): a name a token chose cannot put control characters or escape sequences on the screen.
void render(const Output& output, bool as_json, std::ostream& out);

}  // namespace keydesk::cli
