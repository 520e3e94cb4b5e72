#include "sim/control_protocol.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "core/text.h"

namespace keydesk::sim {
namespace {

constexpr const char* kCommands =
    "remove, insert, power-cycle, presence grant|deny, freeze [after N], thaw, status, "
    "hold-after pcsc|ctaphid ctap-getinfo, wait-held [SECONDS], release";

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
    if (w.size() == 1) return ControlCommand{ControlVerb::kFreeze, {}};
    uint64_t n = 0;
    const std::string& count = w.size() == 3 ? w[2] : std::string();
    const auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
    if (w.size() != 3 || w[1] != "after" || count.empty() || ec != std::errc() ||
        end != count.data() + count.size() || n == 0)
      return usage("'freeze' takes nothing or 'after N' (N >= 1 commands still answered)");
    ControlCommand c{ControlVerb::kFreeze, {}};
    c.freeze_after = n;
    return c;
  }
  if (verb == "presence") {
    if (w.size() == 2 && w[1] == "grant")
      return ControlCommand{ControlVerb::kPresence, card::UserPresence::Mode::kGrant};
    if (w.size() == 2 && w[1] == "deny")
      return ControlCommand{ControlVerb::kPresence, card::UserPresence::Mode::kDeny};
    return usage("'presence' takes 'grant' or 'deny'");
  }
  if (verb == "hold-after") {
    const auto link = w.size() == 3 ? parse_sim_link(w[1]) : std::nullopt;
    const auto trigger = w.size() == 3 ? parse_hold_trigger(w[2]) : std::nullopt;
    if (!link || !trigger) return usage("'hold-after' takes a link (pcsc or ctaphid) and 'ctap-getinfo'");
    ControlCommand c{ControlVerb::kHoldAfter, {}};
    c.link = *link;
    c.trigger = *trigger;
    return c;
  }
  if (verb == "wait-held") {
    ControlCommand c{ControlVerb::kWaitHeld, {}};
    c.wait = kDefaultWaitHeld;
    if (w.size() == 2) {
      const std::string& n = w[1];
      const bool digits =
          !n.empty() && n.size() <= 3 && n.find_first_not_of("0123456789") == std::string::npos;
      if (!digits || std::stoi(n) < 1 || std::stoi(n) > kMaxWaitHeld.count())
        return usage("'wait-held' takes a number of seconds, 1 to " + std::to_string(kMaxWaitHeld.count()));
      c.wait = std::chrono::seconds(std::stoi(n));
    } else if (w.size() > 2) {
      return usage("'wait-held' takes at most one argument");
    }
    return c;
  }
  if (verb == "release") return no_argument(ControlVerb::kRelease);
  return usage("unknown command " + quoted_text(verb));
}

std::string format_status(const SimStatus& s) {
  nlohmann::json doc = {{"inserted", s.inserted},
                        {"presence", s.presence == card::UserPresence::Mode::kGrant ? "grant" : "deny"},
                        {"cuid", s.cuid},
                        {"serial", s.serial},
                        {"frozen", s.frozen},
                        {"unanswered", s.unanswered},
                        {"hold", nullptr}};
  // A profile is named on keydesk-sim's command line, which may hold any bytes (core/text.h).
  put_text(doc, "profile", s.profile);
  if (s.hold.phase != LinkHold::Phase::kNone)
    doc["hold"] = {{"link", sim_link_name(s.hold.link)},
                   {"after", hold_trigger_name(s.hold.trigger)},
                   {"held", s.hold.phase == LinkHold::Phase::kHeld}};
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
