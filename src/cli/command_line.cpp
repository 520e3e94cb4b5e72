// CLI11 (Debian's libcli11-dev, header-only) is included here and nowhere else: the parser is built from
// the command table on every call and nothing CLI11 defines crosses this file's interface.
#include "cli/command_line.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <sstream>

#include "core/text.h"

namespace keydesk::cli {
namespace {

constexpr const char* kDescription = "keydesk: the help desk's hardware-key runbook (docs/cli.md)";
constexpr const char* kGlobalGroup = "global options (before or after the command)";
constexpr const char* kCommandGroup = "options";
constexpr const char* kSecretNote =
    "SECRET: a value, env:NAME, or - (or nothing) to type it without echo; keydesk never prints it.";
constexpr const char* kExitCodes =
    "exit codes: 0 ok, 1 device error, 2 usage, 3 refused by an interlock, 4 no token, 5 wrong PIN, "
    "6 blocked, 7 timeout, 8 record store integrity.";

Error usage(std::string what) {
  return Error::make(ErrorKind::kUsage, std::move(what));
}

std::vector<std::string> words_of(std::string_view name) {
  std::vector<std::string> words;
  std::istringstream in{std::string(name)};
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// The words that lead from keydesk to `app` ("store init"); empty for keydesk itself.
std::string path_of(const CLI::App* app) {
  std::vector<std::string> words;
  for (; app && app->get_parent(); app = app->get_parent()) words.insert(words.begin(), app->get_name());
  return joined(words);
}

// Which command a CLI11 App runs (nullptr: keydesk itself, a family such as "store", or help).
using CommandOf = std::map<const CLI::App*, const CommandSpec*>;

// The usage lines and the command lists come from the table; option lists are CLI11's.
class Formatter final : public CLI::Formatter {
 public:
  Formatter(const CommandTable& table, const CommandOf& command_of) : table_(table), command_of_(command_of) {
    column_width(28);
    label("Positionals", "arguments");
  }

  // CLI11's layout with one blank line between sections, options grouped as they were added.
  std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override {
    std::string out = make_description(app) + make_usage(app, name) + make_positionals(app);
    for (const std::string& group : app->get_groups()) {
      auto in_group = app->get_options(
          [&](const CLI::Option* o) { return o->get_group() == group && o->nonpositional(); });
      if (!group.empty() && !in_group.empty()) out += make_group(group, false, in_group);
    }
    out += make_subcommands(app, mode);
    if (!app->get_footer().empty()) out += "\n" + make_footer(app);
    return out;
  }

  std::string make_description(const CLI::App* app) const override {
    const CommandSpec* c = command(app);
    if (!c) return app->get_description() + "\n";
    return std::string(c->name) + ": " + std::string(c->summary) +
           "\neffect on the token: " + effect_name(c->effect) + " - " +
           std::string(access::effect_meaning(c->effect)) + "\n";
  }

  std::string make_usage(const CLI::App* app, std::string) const override {
    std::string line = "usage: keydesk [global options]";
    if (const std::string path = path_of(app); !path.empty()) line += " " + path;
    if (const CommandSpec* c = command(app)) {
      if (!c->positional.empty()) line += " " + std::string(c->positional);
      if (!c->options.empty()) line += " [options]";
    } else if (app->get_name() == "help" && app->get_parent() && !app->get_parent()->get_parent()) {
      line += " [COMMAND]";
    } else {
      line += " COMMAND [options]";
    }
    return line + "\n";
  }

  // keydesk's list is every command of the table, families spelled out; a family's, its own commands.
  std::string make_subcommands(const CLI::App* app, CLI::AppFormatMode) const override {
    const std::string path = path_of(app);
    std::stringstream out;
    bool any = false;
    for (const auto& c : table_.commands) {
      if (!path.empty() && !std::string_view(c.name).starts_with(path + " ")) continue;
      if (!any) out << "\n" << (path.empty() ? "commands (effect on the token)" : "commands") << ":\n";
      any = true;
      std::string name(c.name);
      if (!c.positional.empty()) name += " " + std::string(c.positional);
      CLI::detail::format_help(
          out, name, "[" + std::string(effect_name(c.effect)) + "] " + std::string(c.summary), column_width_);
    }
    if (path.empty() && any)
      CLI::detail::format_help(out, "help [COMMAND]", "this list, or one command's help", column_width_);
    return out.str();
  }

 private:
  const CommandSpec* command(const CLI::App* app) const {
    auto it = command_of_.find(app);
    return it == command_of_.end() ? nullptr : it->second;
  }

  const CommandTable& table_;
  const CommandOf& command_of_;
};

std::string cli11_names(const OptionSpec& o) {
  std::string names;
  if (o.short_name) names += std::string("-") + o.short_name + ",";
  return names + "--" + std::string(o.long_name);
}

CLI::Option* add_option(CLI::App& app, const OptionSpec& o, const std::string& group) {
  const std::string names = cli11_names(o);
  const std::string help(o.help);
  CLI::Option* option = nullptr;
  switch (o.kind) {
    case ArgKind::kFlag:
      // `--json=yes` is a usage error, as every value given to a flag.
      option = app.add_flag(names, help)->disable_flag_override();
      break;
    case ArgKind::kValue:
      option = app.add_option(names, help)
                   ->type_name(o.value_name.empty() ? std::string("VALUE") : std::string(o.value_name))
                   ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
      break;
    case ArgKind::kSecret:
      // The value is optional: `-p` followed by another option or nothing is "-", read at the prompt.
      option = app.add_option(names, help)
                   ->expected(0, 1)
                   ->default_str("-")
                   ->option_text("[SECRET]")
                   ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
      break;
  }
  return option->group(group);
}

struct Bound {
  const OptionSpec* spec;
  CLI::Option* option;
};

// An argument CLI11 left over, as an option name without its value ("--pin" of "--pin=1234").
struct Leftover {
  std::string text;
  bool is_option;
  const OptionSpec* known;  // the table's option of that name, if any
};

Leftover leftover(const std::string& arg, const CommandTable& table) {
  if (arg.size() < 2 || arg[0] != '-') return {arg, false, nullptr};
  if (arg.starts_with("--")) {
    const std::string name = arg.substr(0, arg.find('='));
    return {name, true, table.find_option(std::string_view(name).substr(2))};
  }
  return {arg.substr(0, 2), true, table.find_short_option(arg[1])};
}

// CLI11's own messages name options, never values; the two a user meets most are said as keydesk says them.
std::string words_for(const CLI::ParseError& e) {
  const std::string what = e.what();
  if (e.get_name() == "ArgumentMismatch") {
    std::string name = what.substr(0, what.find_first_of(": "));
    if (!name.starts_with("-")) name = "--" + name;
    if (what.find("missing") != std::string::npos) return "option " + name + " needs a value";
    if (what.find("flag override") != std::string::npos) return "option " + name + " takes no value";
  }
  return what;
}

// The values given to secret options in `args`, as error messages would quote them.
std::vector<std::string> quoted_secrets(const std::vector<std::string>& args, const CommandTable& table) {
  std::vector<std::string> secrets;
  for (size_t i = 0; i < args.size(); ++i) {
    const Leftover l = leftover(args[i], table);
    if (!l.known || l.known->kind != ArgKind::kSecret) continue;
    const std::string& a = args[i];
    const size_t eq = a.find('=');
    if (a.starts_with("--") && eq != std::string::npos)
      secrets.push_back(a.substr(eq + 1));
    else if (!a.starts_with("--") && a.size() > 2)
      secrets.push_back(a.substr(2));
    else if (i + 1 < args.size())
      secrets.push_back(args[i + 1]);
  }
  std::vector<std::string> quoted;
  for (const auto& s : secrets)
    if (!s.empty() && s != "-") quoted.push_back(quoted_text(s));
  return quoted;
}

// keydesk's command line as a CLI11 App: global options on keydesk and on every command (so they are
// accepted before or after it), each command's options on its subcommand - and hidden on keydesk too, so
// that `keydesk -p PIN pin-verify` keeps working and an option before the wrong command is named as such.
class Parser {
 public:
  explicit Parser(const CommandTable& table) : table_(table), app_(kDescription, "keydesk") {
    app_.formatter(std::make_shared<Formatter>(table_, command_of_));
    app_.require_subcommand(0, 1);
    app_.allow_extras();  // reported below in keydesk's words, never echoing a secret
    app_.set_help_flag("-h,--help", "this help (after a command: that command's)")->group(kGlobalGroup);
    app_.footer(
        std::string(kSecretNote) + "\n" + kExitCodes +
        "\nkeydesk help COMMAND (or keydesk COMMAND --help): one command's options. See docs/cli.md.");
    for (const auto& o : table_.options)
      main_.push_back({&o, add_option(app_, o, table_.is_global_option(o.long_name) ? kGlobalGroup : "")});
    for (const auto& c : table_.commands) add_command(c);
    help_ = app_.add_subcommand("help", "this list, or one command's help");
    help_->footer("");
    help_->add_option("COMMAND", help_topic_, "a command")->type_name("");
  }

  Result<Invocation> parse(const std::vector<std::string>& args);
  std::string help(const CommandSpec* command) {
    return command ? commands_.at(command).app->help() : app_.help();
  }

 private:
  struct Command {
    CLI::App* app = nullptr;
    std::vector<Bound> options;  // in the table's order
    std::vector<std::string> positional;
  };

  // A subcommand of `parent`, with the global options after its own (and the help flag among them).
  CLI::App* subcommand(CLI::App& parent, const std::string& name, const std::string& description) {
    CLI::App* sub = parent.add_subcommand(name, description);
    sub->set_help_flag();  // added again after the command's options, with the global ones
    return sub;
  }
  void add_globals(CLI::App& app) {
    app.set_help_flag("-h,--help", "this help")->group(kGlobalGroup);
    for (const auto& o : table_.options)
      if (table_.is_global_option(o.long_name))
        globals_[&app].push_back({&o, add_option(app, o, kGlobalGroup)});
  }

  void add_command(const CommandSpec& c) {
    const auto words = words_of(c.name);
    CLI::App* parent = &app_;
    for (size_t i = 0; i + 1 < words.size(); ++i) {  // a family: "store" of "store init"
      CLI::App*& family = families_[{parent, words[i]}];
      if (!family) {
        const std::string path = joined(std::vector<std::string>(words.begin(), words.begin() + long(i) + 1));
        family = subcommand(*parent, words[i], path + ": one of the commands below");
        family->require_subcommand(0, 1);
        family->footer("");
        add_globals(*family);
      }
      parent = family;
    }
    CLI::App* sub = subcommand(*parent, words.back(), std::string(c.summary));
    sub->footer(std::any_of(c.options.begin(), c.options.end(),
                            [&](std::string_view name) {
                              const auto* o = table_.find_option(name);
                              return o && o->kind == ArgKind::kSecret;
                            })
                    ? kSecretNote
                    : "");
    command_of_[sub] = &c;
    auto& bound = commands_[&c];
    bound.app = sub;
    for (auto name : c.options) {
      const OptionSpec* spec = table_.find_option(name);  // the table's own test holds every name to options
      bound.options.push_back({spec, add_option(*sub, *spec, kCommandGroup)});
    }
    add_globals(*sub);
    if (!c.positional.empty()) {
      // "CODE..." in the table: one or more; "CUID STATUS": up to that many words (the command
      // itself says which are missing, as it does for a missing single one).
      const std::string_view name = c.positional;
      const bool several = name.ends_with("...");
      const int count = int(std::count(name.begin(), name.end(), ' ')) + 1;
      sub->add_option(std::string(several ? name.substr(0, name.size() - 3) : name), bound.positional)
          ->expected(several ? 1 : 0, several ? CLI::detail::expected_max_vector_size : count)
          ->type_name("")
          ->option_text(several ? "..." : "");
    }
  }

  Result<Invocation> read(const CommandSpec* command, const std::vector<CLI::App*>& chain);

  const CommandTable& table_;
  CLI::App app_;
  CommandOf command_of_;
  std::vector<Bound> main_;  // every option of the table, in its order
  std::map<const CLI::App*, std::vector<Bound>> globals_;
  std::map<std::pair<CLI::App*, std::string>, CLI::App*> families_;
  std::map<const CommandSpec*, Command> commands_;
  CLI::App* help_ = nullptr;
  std::vector<std::string> help_topic_;
};

Result<Invocation> Parser::parse(const std::vector<std::string>& args) {
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app_.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    Invocation help;
    help.help = app_.help();  // the selected command's, if one was given
    return help;
  } catch (const CLI::ParseError& e) {
    return usage(words_for(e));
  }
  // keydesk, then the family and the command the arguments selected.
  std::vector<CLI::App*> chain{&app_};
  while (!chain.back()->get_subcommands().empty()) chain.push_back(chain.back()->get_subcommands().front());
  CLI::App* selected = chain.back();
  auto found = command_of_.find(selected);
  const CommandSpec* command = found == command_of_.end() ? nullptr : found->second;
  const std::string command_name = command ? std::string(command->name) : "keydesk without a command";

  // What CLI11 could not place, level by level: keydesk's own, the family's, the command's.
  struct Left {
    Leftover arg;
    const CLI::App* level;
  };
  std::vector<Left> left;
  for (const CLI::App* level : chain)
    for (const auto& a : level->remaining()) left.push_back({leftover(a, table_), level});
  for (const auto& l : left)
    if (l.arg.is_option && !l.arg.known) return usage("unknown option " + quoted_text(l.arg.text));
  for (const auto& l : left)
    if (l.arg.is_option)
      return usage("option --" + std::string(l.arg.known->long_name) + " does not apply to " + command_name);
  for (const auto& l : left) {
    if (command && l.level == selected)
      return usage(command_name + " takes no argument " + quoted_text(l.arg.text));
    const std::string path = path_of(l.level);
    return usage("unknown command " + quoted_text((path.empty() ? "" : path + " ") + l.arg.text) +
                 " (keydesk help lists them)");
  }
  // A command's option given before the command: it must be one of this command's.
  for (const auto& b : main_) {
    if (b.option->count() == 0 || table_.is_global_option(b.spec->long_name)) continue;
    if (!command || std::find(command->options.begin(), command->options.end(), b.spec->long_name) ==
                        command->options.end())
      return usage("option --" + std::string(b.spec->long_name) + " does not apply to " + command_name);
  }
  if (selected == help_) {
    Invocation help;
    const std::string topic = joined(help_topic_);
    if (topic.empty()) {
      help.help = Parser(table_).help(nullptr);  // this parser's help() would be the help command's own
    } else if (const CommandSpec* named = table_.find_command(topic)) {
      help.help = commands_.at(named).app->help();
    } else if (auto family = std::find_if(families_.begin(), families_.end(),
                                          [&](const auto& f) { return path_of(f.second) == topic; });
               family != families_.end()) {
      help.help = family->second->help();
    } else {
      return usage("unknown command " + quoted_text(topic) + " (keydesk help lists them)");
    }
    return help;
  }
  return read(command, chain);
}

// The values of a parsed command line: an option given after the command wins over the same before it.
Result<Invocation> Parser::read(const CommandSpec* command, const std::vector<CLI::App*>& chain) {
  Invocation inv;
  inv.command = command;
  // The latest of the option's places: the command's options, then each level's globals from the command
  // up, then keydesk's own.
  auto given = [&](const OptionSpec& spec, const std::vector<Bound>* own) -> CLI::Option* {
    auto in = [&](const std::vector<Bound>& bound) -> CLI::Option* {
      for (const auto& b : bound)
        if (b.spec == &spec && b.option->count() > 0) return b.option;
      return nullptr;
    };
    if (own)
      if (auto* o = in(*own)) return o;
    for (auto level = chain.rbegin(); level != chain.rend(); ++level)
      if (auto it = globals_.find(*level); it != globals_.end())
        if (auto* o = in(it->second)) return o;
    return in(main_);
  };
  for (const auto& spec : table_.options) {
    if (!table_.is_global_option(spec.long_name)) continue;
    CLI::Option* option = given(spec, nullptr);
    if (!option) continue;
    const std::string value = option->results().empty() ? std::string() : option->results().back();
    const std::string_view name = spec.long_name;
    if (name == "json") {
      inv.json = true;
    } else if (name == "verbose") {
      inv.verbose = true;
    } else if (name == "timeout") {
      // Whole or fractional seconds, 0.1 to 3600: long enough for on-card key generation, short enough
      // that a frozen token is noticed.
      double seconds = 0;
      const auto* end = value.data() + value.size();
      auto [ptr, ec] = std::from_chars(value.data(), end, seconds);
      if (ec != std::errc() || ptr != end || !(seconds >= 0.1 && seconds <= 3600))
        return usage("--timeout needs seconds between 0.1 and 3600, not " + quoted_text(value));
      inv.timeout = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
    } else if (name == "reader") {
      inv.reader = value;
    } else if (name == "token") {
      int index = -1;
      const auto* end = value.data() + value.size();
      auto [ptr, ec] = std::from_chars(value.data(), end, index);
      if (ec != std::errc() || ptr != end || index < 0) return usage("-t needs a token index (0, 1, ...)");
      inv.token_index = index;
    }
  }
  if (!command) {
    inv.help = chain.back()->help();  // keydesk, or a family, without a command: its help
    return inv;
  }
  const Command& bound = commands_.at(command);
  for (const auto& b : bound.options) {
    CLI::Option* option = given(*b.spec, &bound.options);
    if (!option) continue;
    std::optional<std::string> value;
    if (b.spec->kind != ArgKind::kFlag && !option->results().empty()) value = option->results().back();
    inv.options[std::string(b.spec->long_name)] = std::move(value);
  }
  inv.positional = bound.positional;
  return inv;
}

}  // namespace

Result<Invocation> parse_command_line(const std::vector<std::string>& args, const CommandTable& table) {
  Parser parser(table);
  auto parsed = parser.parse(args);
  if (parsed) return parsed;
  // The net under every message above: whatever the path, a secret's value is never repeated.
  const std::string message = describe(parsed.error());
  for (const auto& secret : quoted_secrets(args, table))
    if (message.find(secret) != std::string::npos)
      return usage("the arguments could not be read (a secret's value is never repeated); see keydesk help");
  return parsed;
}

std::string keydesk_help(const CommandTable& table) {
  return Parser(table).help(nullptr);
}

std::string command_help(const CommandSpec& command, const CommandTable& table) {
  return Parser(table).help(&command);
}

std::string help_for(const std::vector<std::string>& args, const CommandTable& table) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (i + 1 < args.size())
      if (const CommandSpec* c = table.find_command(args[i] + " " + args[i + 1]))
        return command_help(*c, table);
    if (const CommandSpec* c = table.find_command(args[i])) return command_help(*c, table);
  }
  return keydesk_help(table);
}

}  // namespace keydesk::cli
