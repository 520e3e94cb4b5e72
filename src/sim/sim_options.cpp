#include "sim/sim_options.h"

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

const char* sim_usage() {
  return "usage: keydesk-sim --profile NAME --state FILE --vpcd-port PORT [--vpcd-host ADDRESS]\n"
         "                   [--control SOCKET] [--ctaphid SOCKET] [-v]\n"
         "  --profile NAME     seeds FILE from profile NAME when FILE does not exist\n"
         "  --state FILE       the token's durable state (loaded as it is when it exists)\n"
         "  --vpcd-port PORT   vpcd's port (reader.conf CHANNELID); --vpcd-host defaults to 127.0.0.1\n"
         "  --control SOCKET   UNIX socket for remove/insert/power-cycle/presence/status\n"
         "  --ctaphid SOCKET   UNIX socket serving the FIDO authenticator as CTAPHID reports\n"
         "  -v                 log every APDU (PINs, PUKs and keys masked)\n";
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
    if (a == "-h" || a == "--help") {
      o.help = true;
      return o;
    }
    if (a == "-v" || a == "--verbose") {
      o.verbose = true;
      continue;
    }
    const auto option = with_value.find(a);
    if (option == with_value.end()) return usage("unknown argument " + quoted_text(a));
    if (i + 1 >= args.size()) return usage(a + " needs a value");
    option->second(args[++i]);
    if (bad_port) return *bad_port;
  }
  if (o.state_path.empty()) return usage("--state FILE is required");
  if (!have_port) return usage("--vpcd-port PORT is required");
  return o;
}

}  // namespace keydesk::sim
