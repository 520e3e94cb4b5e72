#include "sim/sim_options.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>
#include <map>

#include "core/text.h"

namespace keydesk::sim {
namespace {

Error usage(const std::string& what) {
  return Error::make(ErrorKind::kUsage, what);
}

Result<uint16_t> parse_port(const std::string& text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535)
    return usage("--vpcd-port: " + quoted_text(text) + " is not a TCP port (1-65535)");
  return static_cast<uint16_t>(value);
}

}  // namespace

std::span<const SimOptionSpec> sim_option_specs() {
  static constexpr std::array<SimOptionSpec, 8> kSpecs{{
      {"--profile", "", "NAME", false, "seeds FILE from profile NAME when FILE does not exist"},
      {"--state", "", "FILE", true, "the token's durable state (loaded as it is when it exists)"},
      {"--vpcd-port", "", "PORT", true, "vpcd's TCP port (the CHANNELID of the reader in reader.conf)"},
      {"--vpcd-host", "", "ADDRESS", false, "IPv4 address vpcd listens on (default 127.0.0.1)"},
      {"--control", "", "SOCKET", false, "UNIX socket for remove/insert/power-cycle/presence/status"},
      {"--ctaphid", "", "SOCKET", false, "UNIX socket serving the FIDO authenticator as CTAPHID reports"},
      {"--verbose", "-v", "", false, "log every APDU (PINs, PUKs and keys masked)"},
      {"--help", "-h", "", false, "print this help and exit"},
  }};
  return kSpecs;
}

std::string sim_usage() {
  constexpr std::string_view kHead = "usage: keydesk-sim";
  std::string text(kHead);
  size_t line_start = 0;
  for (const auto& o : sim_option_specs()) {
    std::string word = o.required ? "" : "[";
    word += o.alias.empty() ? o.name : o.alias;
    if (!o.value.empty()) {
      word += ' ';
      word += o.value;
    }
    if (!o.required) word += ']';
    if (text.size() - line_start + 1 + word.size() > 80) {  // wrap under the first option
      text += '\n';
      line_start = text.size();
      text.append(kHead.size(), ' ');
    }
    text += ' ';
    text += word;
  }
  text += '\n';
  for (const auto& o : sim_option_specs()) {
    std::string name = "  ";
    if (!o.alias.empty()) {
      name += o.alias;
      name += ", ";
    }
    name += o.name;
    if (!o.value.empty()) {
      name += ' ';
      name += o.value;
    }
    text += name;
    text.append(name.size() < 24 ? 24 - name.size() : 1, ' ');
    text += o.help;
    text += '\n';
  }
  return text;
}

Result<SimOptions> parse_sim_options(const std::vector<std::string>& args) {
  SimOptions o;
  bool have_port = false;
  std::optional<Error> bad_port;
  const std::map<std::string, std::function<void(const std::string&)>> with_value{
      {"--profile", [&](const std::string& v) { o.profile = v; }},
      {"--state", [&](const std::string& v) { o.state_path = v; }},
      {"--vpcd-host", [&](const std::string& v) { o.vpcd_host = v; }},
      {"--control", [&](const std::string& v) { o.control_socket = v; }},
      {"--ctaphid", [&](const std::string& v) { o.ctaphid_socket = v; }},
      {"--vpcd-port",
       [&](const std::string& v) {
         auto port = parse_port(v);
         if (port)
           o.vpcd_port = *port;
         else
           bad_port = port.error();
         have_port = true;
       }},
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const auto specs = sim_option_specs();
    const auto spec = std::find_if(specs.begin(), specs.end(), [&](const SimOptionSpec& s) {
      return a == s.name || (!s.alias.empty() && a == s.alias);
    });
    if (spec == specs.end()) return usage("unknown argument " + quoted_text(a));
    if (spec->name == "--help") {
      o.help = true;
      return o;
    }
    if (spec->name == "--verbose") {
      o.verbose = true;
      continue;
    }
    if (i + 1 >= args.size()) return usage(a + " needs a value");
    with_value.at(std::string(spec->name))(args[++i]);
    if (bad_port) return *bad_port;
  }
  if (o.state_path.empty()) return usage("--state FILE is required");
  if (!have_port) return usage("--vpcd-port PORT is required");
  return o;
}

}  // namespace keydesk::sim
