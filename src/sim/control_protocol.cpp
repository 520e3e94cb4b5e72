#include "sim/control_protocol.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "core/text.h"

namespace keydesk::sim {
namespace {

constexpr const char* kCommands =
    "remove, insert, power-cycle, presence grant|deny, freeze [after N], thaw, status";

std::vector<std::string> words(std::string_view line) {
  std::istringstream in{std::string(line)};
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

Error usage(const std::string& what) {
  return Error::make(ErrorKind::kUsage, what + " (commands: " + kCommands + ")");
}

}  // namespace

Result<ControlCommand> parse_control_command(std::string_view line) {
  const std::vector<std::string> w = words(line);
  if (w.empty()) return usage("empty command");
  const std::string& verb = w[0];
  auto no_argument = [&](ControlVerb v) -> Result<ControlCommand> {
    if (w.size() != 1) return usage(quoted_text(verb) + " takes no argument");
    return ControlCommand{v, {}};
  };
  if (verb == "remove") return no_argument(ControlVerb::kRemove);
  if (verb == "insert") return no_argument(ControlVerb::kInsert);
  if (verb == "power-cycle") return no_argument(ControlVerb::kPowerCycle);
  if (verb == "status") return no_argument(ControlVerb::kStatus);
  if (verb == "thaw") return no_argument(ControlVerb::kThaw);
  if (verb == "freeze") {
    if (w.size() == 1) return ControlCommand{ControlVerb::kFreeze, {}, 0};
    uint64_t n = 0;
    const std::string& count = w.size() == 3 ? w[2] : std::string();
    const auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
    if (w.size() != 3 || w[1] != "after" || count.empty() || ec != std::errc() ||
        end != count.data() + count.size() || n == 0)
      return usage("'freeze' takes nothing or 'after N' (N >= 1 commands still answered)");
    return ControlCommand{ControlVerb::kFreeze, {}, n};
  }
  if (verb == "presence") {
    if (w.size() == 2 && w[1] == "grant")
      return ControlCommand{ControlVerb::kPresence, card::UserPresence::Mode::kGrant};
    if (w.size() == 2 && w[1] == "deny")
      return ControlCommand{ControlVerb::kPresence, card::UserPresence::Mode::kDeny};
    return usage("'presence' takes 'grant' or 'deny'");
  }
  return usage("unknown command " + quoted_text(verb));
}

std::string format_status(const SimStatus& s) {
  const nlohmann::json doc = {{"inserted", s.inserted},
                              {"presence", s.presence == card::UserPresence::Mode::kGrant ? "grant" : "deny"},
                              {"profile", s.profile},
                              {"cuid", s.cuid},
                              {"serial", s.serial},
                              {"frozen", s.frozen},
                              {"held", s.held}};
  return doc.dump();
}

std::string format_error(const Error& error) {
  std::string text = "error: " + describe(error);
  // One reply per line: a newline inside the message would end the reply early.
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

}  // namespace keydesk::sim
