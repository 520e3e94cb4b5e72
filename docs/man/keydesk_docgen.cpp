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
#include "runbook/findings.h"
#include "sim/sim_options.h"
#include "store/record.h"

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

// The placeholder a value option shows: the table's value name ("INDEX", "SECONDS"); a secret, which the
// table leaves unnamed, is named by the last word of its option ("new-pin" -> PIN, "current-puk" -> PUK).
std::string value_name(const OptionSpec& o) {
  if (!o.value_name.empty()) return std::string(o.value_name);
  std::string_view word = o.long_name;
  if (const auto dash = word.rfind('-'); dash != std::string_view::npos) word = word.substr(dash + 1);
  std::string out(word);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

// A command's words ("record set-status" -> record, set-status) and its positional arguments
// ("CUID STATUS", "[CUID]", "CODE...") as the words the table writes them with.
std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> words;
  std::istringstream in{std::string(text)};
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}
// The name in a positional word: "[CUID]" -> CUID, "CODE..." -> CODE.
std::string argument_name(std::string_view word) {
  std::string out;
  for (const char c : word)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') out += c;
  return out;
}
// Positional arguments in roff: the names in italics, brackets and ellipses as they are.
std::string positional_roff(std::string_view positional) {
  std::string out;
  for (const auto& word : words_of(positional)) {
    const std::string name = argument_name(word);
    const size_t at = word.find(name);
    std::string one = roff(std::string_view(word).substr(0, at));
    one += italic(name);
    one += roff(std::string_view(word).substr(at + name.size()));
    join(out, one);
  }
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
// The space before a value is roff's unbreakable one: no line ends between an option and its value.
void append_value(std::string& out, const OptionSpec& o) {
  if (o.kind == ArgKind::kValue) {
    out += "\\ ";
    out += italic(value_name(o));
  } else if (o.kind == ArgKind::kSecret) {
    out += "\\ [";
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
    if (!c.positional.empty()) out << " " << positional_roff(c.positional);
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

// The first word of every command, each once, in the table's order: "token-info ... store audit record".
// A command of several words belongs to the family of its first word ("store" of "store init").
std::vector<std::string> first_words() {
  std::vector<std::string> out;
  for (const CommandSpec& c : keydesk::cli::commands()) {
    const std::string first = words_of(c.name).front();
    if (std::find(out.begin(), out.end(), first) == out.end()) out.push_back(first);
  }
  return out;
}
std::vector<std::string> families() {
  std::vector<std::string> out;
  for (const CommandSpec& c : keydesk::cli::commands()) {
    const auto words = words_of(c.name);
    if (words.size() > 1 && std::find(out.begin(), out.end(), words.front()) == out.end())
      out.push_back(words.front());
  }
  return out;
}
std::string spaced(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) join(out, w);
  return out;
}

// One `case` arm per family: the second words of its commands.
std::string keydesk_family_cases() {
  std::ostringstream out;
  for (const auto& family : families()) {
    std::string second;
    for (const CommandSpec& c : keydesk::cli::commands()) {
      const auto words = words_of(c.name);
      if (words.size() > 1 && words.front() == family) join(second, words[1]);
    }
    out << "    " << family << ") echo \"" << second << "\" ;;\n";
  }
  return out.str();
}

// One `case` arm per command: the options it accepts (the globals are added by the template) and the
// names of its positional arguments ("CUID STATUS"; "CODE..." repeats).
std::string keydesk_command_cases() {
  std::ostringstream out;
  for (const CommandSpec& c : keydesk::cli::commands()) {
    std::string words;
    for (const auto& name : c.options) join(words, option_words(*keydesk::cli::find_option(name)));
    std::string arguments;
    for (const auto& word : words_of(c.positional))
      join(arguments, argument_name(word) + (word.ends_with("...") ? "..." : ""));
    out << "    \"" << c.name << "\") opts=\"" << words << "\" args=\"" << arguments << "\" ;;\n";
  }
  return out.str();
}

// The values an option or a positional argument takes, where the program has a closed list of them:
// every name its own parser accepts, found by walking the enumeration while the name reads back as the
// same value.
template <typename Enum, typename Name, typename Parse>
std::string enum_words(Name name, Parse parse) {
  std::string out;
  for (int i = 0;; ++i) {
    const auto value = static_cast<Enum>(i);
    const char* word = name(value);
    if (parse(word) != value) break;
    join(out, word);
  }
  return out;
}
struct ClosedValues {
  std::string_view name;  // an option's long name, or a positional argument's name
  bool is_option;
  std::string words;
};
std::vector<ClosedValues> closed_values() {
  return {
      {"symptom", true,
       enum_words<keydesk::runbook::Symptom>(keydesk::runbook::symptom_name,
                                             keydesk::runbook::parse_symptom)},
      {"STATUS", false,
       enum_words<keydesk::store::LifecycleStatus>(keydesk::store::status_name,
                                                   keydesk::store::parse_status)},
  };
}
// A closed list named above that the table no longer has would complete nothing, silently: it stops the
// build instead.
bool closed_values_are_in_the_table() {
  for (const auto& v : closed_values()) {
    bool found = false;
    for (const CommandSpec& c : keydesk::cli::commands()) {
      if (v.is_option) {
        found = found || std::find(c.options.begin(), c.options.end(), v.name) != c.options.end();
      } else {
        for (const auto& word : words_of(c.positional)) found = found || argument_name(word) == v.name;
      }
    }
    if (!found || v.words.empty()) {
      std::cerr << "keydesk_docgen: the completion's values of " << v.name
                << " name nothing in the command table (src/cli/command_table.cpp)\n";
      return false;
    }
  }
  return true;
}
std::string closed_value_cases(bool options) {
  std::ostringstream out;
  for (const auto& v : closed_values()) {
    if (v.is_option != options) continue;
    out << "      ";
    if (options) {
      const OptionSpec* o = keydesk::cli::find_option(v.name);
      if (o->short_name) out << short_name(*o) << " | ";
      out << long_name(o->long_name);
    } else {
      out << v.name;
    }
    out << ") COMPREPLY=($(compgen -W \"" << v.words << "\" -- \"$cur\")) ;;\n";
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
  return {
      {"keydesk_synopsis", keydesk_synopsis()},
      {"keydesk_commands", without_last_newline(keydesk_commands())},
      {"keydesk_global_options", without_last_newline(keydesk_options(true))},
      {"keydesk_command_options", without_last_newline(keydesk_options(false))},
      {"keydesk_first_words", spaced(first_words())},
      {"keydesk_family_words", spaced(families())},
      {"keydesk_global_option_words",
       keydesk_words([](const OptionSpec& o) { return keydesk::cli::is_global_option(o.long_name); })},
      {"keydesk_value_option_words",
       keydesk_words([](const OptionSpec& o) { return o.kind == ArgKind::kValue; })},
      {"keydesk_secret_option_words",
       keydesk_words([](const OptionSpec& o) { return o.kind == ArgKind::kSecret; })},
      {"keydesk_family_cases", without_last_newline(keydesk_family_cases())},
      {"keydesk_command_cases", without_last_newline(keydesk_command_cases())},
      {"keydesk_option_value_cases", closed_value_cases(true)},
      {"keydesk_argument_value_cases", closed_value_cases(false)},
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

  if (!closed_values_are_in_the_table()) return 1;
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
