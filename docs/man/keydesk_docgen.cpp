// keydesk_docgen: a build tool (never installed) that writes keydesk(1), keydesk-sim(1) and their bash
// completions from the tables the programs themselves parse with, the command table
// (src/cli/command_table.cpp) and keydesk-sim's option table (src/sim/sim_options.cpp), so the manuals
// and the completion cannot drift from the code. The prose lives in the templates beside this file; a
// template names a generated part as {{name}}.
//
//   keydesk_docgen TEMPLATE OUTPUT [NAME=VALUE...]
//
// NAME=VALUE pairs add values the build knows (VERSION, PROFILE_DIR, DOC_DIR). A {{name}} that is neither
// generated nor given stops the build, so a typo in a template cannot ship.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/command_table.h"
#include "sim/sim_options.h"

namespace {

using keydesk::cli::ArgKind;
using keydesk::cli::CommandSpec;
using keydesk::cli::OptionSpec;
using keydesk::sim::SimOptionSpec;

// Text for a roff line: backslashes and hyphens escaped (a bare '-' may be typeset as a hyphen, which
// breaks copying options out of the page), and a leading '.' or '\'' kept from being read as a request.
std::string roff(std::string_view text) {
  std::string out;
  if (!text.empty() && (text.front() == '.' || text.front() == '\'')) out += "\\&";
  for (const char c : text) {
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
  }
  return out;
}
// Strings are built by appending throughout: `"literal" + std::string(...)` trips GCC 12's -Wrestrict
// false positive (GCC bug 105329) at -O3, and the release build treats warnings as errors.
std::string font(std::string_view font, std::string_view text) {
  std::string out = "\\f";
  out += font;
  out += roff(text);
  out += "\\fR";
  return out;
}
std::string bold(std::string_view text) {
  return font("B", text);
}
std::string italic(std::string_view text) {
  return font("I", text);
}
// Words joined by a separator.
void join(std::string& out, std::string_view word, std::string_view separator = " ") {
  if (!out.empty()) out += separator;
  out += word;
}

// The placeholder a value option shows: the last word of its name ("confirm-cuid" -> CUID), but the
// names `keydesk help` prints for the two global options that take one.
std::string value_name(const OptionSpec& o) {
  if (o.long_name == "token") return "INDEX";
  if (o.long_name == "reader") return "NAME";
  std::string_view word = o.long_name;
  if (const auto dash = word.rfind('-'); dash != std::string_view::npos) word = word.substr(dash + 1);
  std::string out(word);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

// "-p, --pin [PIN]" in roff: a secret's value is optional (absent or "-": typed at a prompt).
std::string short_name(const OptionSpec& o) {
  return {'-', o.short_name};
}
std::string long_name(std::string_view name) {
  std::string out = "--";
  out += name;
  return out;
}
void append_value(std::string& out, const OptionSpec& o) {
  if (o.kind == ArgKind::kValue) {
    out += ' ';
    out += italic(value_name(o));
  } else if (o.kind == ArgKind::kSecret) {
    out += " [";
    out += italic(value_name(o));
    out += ']';
  }
}
std::string option_roff(const OptionSpec& o) {
  std::string out;
  if (o.short_name) {
    out += bold(short_name(o));
    out += ", ";
  }
  out += bold(long_name(o.long_name));
  append_value(out, o);
  return out;
}
// The same in a synopsis: the short name when there is one.
std::string option_synopsis(const OptionSpec& o) {
  std::string out = "[";
  out += o.short_name ? bold(short_name(o)) : bold(long_name(o.long_name));
  append_value(out, o);
  out += ']';
  return out;
}

std::vector<const OptionSpec*> global_options() {
  std::vector<const OptionSpec*> out;
  for (const auto& o : keydesk::cli::options())
    if (keydesk::cli::is_global_option(o.long_name)) out.push_back(&o);
  return out;
}

std::string keydesk_synopsis() {
  std::string out = ".B keydesk\n";
  for (const auto* o : global_options()) {
    out += option_synopsis(*o);
    out += '\n';
  }
  out += italic("COMMAND");
  out += " [";
  out += italic("options");
  out += ']';
  return out;
}

std::string keydesk_commands() {
  std::ostringstream out;
  for (const CommandSpec& c : keydesk::cli::commands()) {
    out << ".TP\n" << bold(c.name);
    for (const auto& name : c.options) out << " " << option_synopsis(*keydesk::cli::find_option(name));
    if (!c.positional.empty()) out << " " << italic(c.positional);
    out << "\n" << italic(keydesk::cli::effect_name(c.effect)) << ": " << roff(c.summary) << ".\n";
  }
  return out.str();
}

std::string keydesk_options(bool global) {
  std::ostringstream out;
  for (const OptionSpec& o : keydesk::cli::options()) {
    if (keydesk::cli::is_global_option(o.long_name) != global) continue;
    out << ".TP\n" << option_roff(o) << "\n" << roff(o.help) << ".";
    if (!global) {
      std::string users;
      for (const CommandSpec& c : keydesk::cli::commands())
        if (std::find(c.options.begin(), c.options.end(), o.long_name) != c.options.end())
          join(users, bold(c.name), ", ");
      out << "\nUsed by " << users << ".";
    }
    out << "\n";
  }
  return out.str();
}

// Words for bash: "-t --token --reader ...".
std::string option_words(const OptionSpec& o) {
  std::string out;
  if (o.short_name) join(out, short_name(o));
  join(out, long_name(o.long_name));
  return out;
}
std::string keydesk_words(bool (*pick)(const OptionSpec&)) {
  std::string out;
  for (const OptionSpec& o : keydesk::cli::options())
    if (pick(o)) join(out, option_words(o));
  return out;
}

// One `case` arm per command: the options it accepts (the globals are added by the template).
std::string keydesk_command_option_cases() {
  std::ostringstream out;
  for (const CommandSpec& c : keydesk::cli::commands()) {
    std::string words;
    for (const auto& name : c.options) join(words, option_words(*keydesk::cli::find_option(name)));
    out << "    " << c.name << ") opts=\"" << words << "\" ;;\n";
  }
  return out.str();
}

std::string sim_option_roff(const SimOptionSpec& o) {
  std::string out;
  if (!o.alias.empty()) {
    out += bold(o.alias);
    out += ", ";
  }
  out += bold(o.name);
  if (!o.value.empty()) {
    out += ' ';
    out += italic(o.value);
  }
  return out;
}

std::string sim_synopsis() {
  std::string out = ".B keydesk-sim\n";
  for (const SimOptionSpec& o : keydesk::sim::sim_option_specs()) {
    if (!o.required) out += '[';
    out += bold(o.alias.empty() ? o.name : o.alias);
    if (!o.value.empty()) {
      out += ' ';
      out += italic(o.value);
    }
    if (!o.required) out += ']';
    out += '\n';
  }
  out.pop_back();
  return out;
}

std::string sim_options() {
  std::ostringstream out;
  for (const SimOptionSpec& o : keydesk::sim::sim_option_specs())
    out << ".TP\n"
        << sim_option_roff(o) << "\n"
        << roff(o.help) << (o.required ? " (required)." : ".") << "\n";
  return out.str();
}

// keydesk-sim option words for bash, chosen by the kind of value they take.
std::string sim_words(bool (*pick)(const SimOptionSpec&)) {
  std::string out;
  for (const SimOptionSpec& o : keydesk::sim::sim_option_specs()) {
    if (!pick(o)) continue;
    join(out, o.name);
    if (!o.alias.empty()) join(out, o.alias);
  }
  return out;
}

std::string without_last_newline(std::string s) {
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

std::map<std::string, std::string> generated_parts() {
  std::string commands;
  for (const CommandSpec& c : keydesk::cli::commands()) join(commands, c.name);
  return {
      {"keydesk_synopsis", keydesk_synopsis()},
      {"keydesk_commands", without_last_newline(keydesk_commands())},
      {"keydesk_global_options", without_last_newline(keydesk_options(true))},
      {"keydesk_command_options", without_last_newline(keydesk_options(false))},
      {"keydesk_command_words", commands},
      {"keydesk_global_option_words",
       keydesk_words([](const OptionSpec& o) { return keydesk::cli::is_global_option(o.long_name); })},
      {"keydesk_value_option_words",
       keydesk_words([](const OptionSpec& o) { return o.kind == ArgKind::kValue; })},
      {"keydesk_command_option_cases", without_last_newline(keydesk_command_option_cases())},
      {"sim_synopsis", sim_synopsis()},
      {"sim_options", without_last_newline(sim_options())},
      {"sim_option_words", sim_words([](const SimOptionSpec&) { return true; })},
      {"sim_value_option_words", sim_words([](const SimOptionSpec& o) { return !o.value.empty(); })},
      {"sim_path_option_words",
       sim_words([](const SimOptionSpec& o) { return o.value == "FILE" || o.value == "SOCKET"; })},
  };
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: keydesk_docgen TEMPLATE OUTPUT [NAME=VALUE...]\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "keydesk_docgen: cannot read " << argv[1] << "\n";
    return 1;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();

  auto parts = generated_parts();
  for (int i = 3; i < argc; ++i) {
    const std::string_view pair(argv[i]);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) {
      std::cerr << "keydesk_docgen: '" << pair << "' is not NAME=VALUE\n";
      return 2;
    }
    parts[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
  }

  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t open = text.find("{{", pos);
    if (open == std::string::npos) break;
    const size_t close = text.find("}}", open);
    if (close == std::string::npos) break;
    const std::string name = text.substr(open + 2, close - open - 2);
    const auto part = parts.find(name);
    if (part == parts.end()) {
      std::cerr << argv[1] << ": unknown part {{" << name << "}}\n";
      return 1;
    }
    out.append(text, pos, open - pos);
    out += part->second;
    pos = close + 2;
  }
  out.append(text, pos, std::string::npos);

  const std::string tmp = std::string(argv[2]) + ".tmp";
  std::ofstream(tmp) << out;
  if (std::rename(tmp.c_str(), argv[2]) != 0) {
    std::cerr << "keydesk_docgen: cannot write " << argv[2] << "\n";
    return 1;
  }
  return 0;
}
