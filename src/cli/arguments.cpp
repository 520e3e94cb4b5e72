#include "cli/arguments.h"

#include <algorithm>
#include <charconv>

namespace keydesk::cli {
namespace {

Error usage(std::string what) {
  return Error::make(ErrorKind::kUsage, std::move(what));
}

bool allowed_for(const CommandSpec* command, std::string_view long_name) {
  if (is_global_option(long_name)) return true;
  return command &&
         std::find(command->options.begin(), command->options.end(), long_name) != command->options.end();
}

}  // namespace

Result<Invocation> parse_arguments(const std::vector<std::string>& args) {
  Invocation inv;
  std::vector<std::pair<const OptionSpec*, std::optional<std::string>>> seen;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool is_option = a.size() > 1 && a[0] == '-';
    if (!is_option) {
      if (!inv.command && !inv.positional.empty()) return usage("unexpected argument '" + a + "'");
      if (!inv.command && a != "help") {
        inv.command = find_command(a);
        if (!inv.command) return usage("unknown command '" + a + "' (keydesk help lists them)");
      } else if (a != "help" || inv.command) {
        inv.positional.push_back(a);
      }
      continue;
    }
    // --help or -h anywhere, as `keydesk help`: the usage text and exit 0, whatever else the line says.
    if (a == "--help" || a == "-h") return Invocation{};
    // --name, --name=value, -x, -x VALUE
    const OptionSpec* spec = nullptr;
    std::optional<std::string> inline_value;
    if (a.starts_with("--")) {
      const auto eq = a.find('=');
      spec = find_option(std::string_view(a).substr(2, eq == std::string::npos ? std::string::npos : eq - 2));
      if (eq != std::string::npos) inline_value = a.substr(eq + 1);
    } else if (a.size() == 2) {
      spec = find_short_option(a[1]);
    }
    if (!spec) return usage("unknown option '" + a + "'");
    std::optional<std::string> value = inline_value;
    if (spec->kind == ArgKind::kValue && !value) {
      if (i + 1 >= args.size()) return usage("option --" + std::string(spec->long_name) + " needs a value");
      value = args[++i];
    } else if (spec->kind == ArgKind::kSecret && !value && i + 1 < args.size() &&
               (args[i + 1] == "-" || args[i + 1].empty() || args[i + 1][0] != '-')) {
      // A secret's value is optional: `-p` followed by another option or nothing prompts for it.
      value = args[++i];
    } else if (spec->kind == ArgKind::kFlag && value) {
      return usage("option --" + std::string(spec->long_name) + " takes no value");
    }
    seen.emplace_back(spec, std::move(value));
  }
  for (auto& [spec, value] : seen) {
    if (!allowed_for(inv.command, spec->long_name))
      return usage("option --" + std::string(spec->long_name) + " does not apply to " +
                   (inv.command ? std::string(inv.command->name) : std::string("keydesk without a command")));
    const std::string_view name = spec->long_name;
    if (name == "json") {
      inv.json = true;
    } else if (name == "verbose") {
      inv.verbose = true;
    } else if (name == "reader") {
      inv.reader = value;
    } else if (name == "token") {
      int index = -1;
      const auto* end = value->data() + value->size();
      auto [ptr, ec] = std::from_chars(value->data(), end, index);
      if (ec != std::errc() || ptr != end || index < 0) return usage("-t needs a token index (0, 1, ...)");
      inv.token_index = index;
    } else {
      inv.options[std::string(name)] = value;
    }
  }
  if (inv.command && inv.command->positional.empty() && !inv.positional.empty())
    return usage(std::string(inv.command->name) + " takes no argument '" + inv.positional.front() + "'");
  return inv;
}

std::string usage_text() {
  std::string text =
      "usage: keydesk [-t INDEX] [--reader NAME] [--json] [-v] COMMAND [options]\n\n"
      "commands (effect on the token):\n";
  for (const auto& c : commands()) {
    std::string name(c.name);
    if (!c.positional.empty()) {  // appended, not `" " + std::string(...)`: see iso7816/secret_mask.cpp
      name += ' ';
      name += c.positional;
    }
    text += "  " + name + std::string(name.size() < 22 ? 22 - name.size() : 1, ' ') + "[" +
            effect_name(c.effect) + "] " + std::string(c.summary) + "\n";
  }
  text += "\noptions:\n";
  for (const auto& o : options()) {
    std::string name = o.short_name ? std::string("-") + o.short_name + ", " : std::string("    ");
    name += "--" + std::string(o.long_name);
    if (o.kind == ArgKind::kValue) name += " VALUE";
    if (o.kind == ArgKind::kSecret) name += " [SECRET]";
    text +=
        "  " + name + std::string(name.size() < 26 ? 26 - name.size() : 1, ' ') + std::string(o.help) + "\n";
  }
  text +=
      "\nSECRET: a value, env:NAME, or - (or nothing) to type it without echo.\n"
      "exit codes: 0 ok, 1 device error, 2 usage, 3 refused by an interlock, 4 no token, 5 wrong PIN, "
      "6 blocked.\nSee docs/cli.md.\n";
  return text;
}

}  // namespace keydesk::cli
