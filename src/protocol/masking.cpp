#include "protocol/masking.h"

#include <cstdio>

#include "protocol/ctap.h"
#include "protocol/interindustry.h"

namespace keydesk::protocol {
namespace {

std::string hex_byte(uint8_t b) {
  char buf[3];
  std::snprintf(buf, sizeof buf, "%02X", b);
  return buf;
}

std::string masked(size_t n) {
  std::string out = "<";
  out += std::to_string(n);
  out += " bytes masked>";
  return out;
}

std::string header(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2) {
  std::string out = hex_byte(cla);
  for (uint8_t b : {ins, p1, p2}) {
    out += ' ';
    out += hex_byte(b);
  }
  return out;
}

// Calls `judge` with every row that may describe instruction byte `ins` (see the header) until one
// returns true.
template <typename Judge>
bool any_candidate(uint8_t ins, AppletId selected, Judge judge) {
  // True when a row of `table` with this instruction byte is secret; `found` notes that one exists.
  auto scan = [&](std::span<const Instruction> table, bool& found) {
    for (const Instruction& row : table) {
      if (row.ins != ins) continue;
      found = true;
      if (judge(row)) return true;
    }
    return false;
  };
  bool found_in_card = false, found_in_applet = false, found_anywhere = false;
  if (scan(interindustry::kInstructions, found_in_card)) return true;
  for (const auto& a : applets())
    if (a.id == selected && scan(a.instructions, found_in_applet)) return true;
  if (found_in_applet) return false;  // the selected applet's own rows have spoken
  for (const auto& a : applets())
    if (scan(a.instructions, found_anywhere)) return true;
  return false;
}

}  // namespace

bool carries_secret(const CommandApdu& c, AppletId selected) {
  return any_candidate(c.ins, selected, [&](const Instruction& row) {
    if (row.carries == Carries::kCtap2Request) return !c.data.empty() && ctap::request_secret(c.data);
    return row.data_secret;
  });
}

bool response_carries_secret(const CommandApdu& c, AppletId selected) {
  return any_candidate(c.ins, selected, [&](const Instruction& row) {
    if (row.carries == Carries::kCtap2Request) return !c.data.empty() && ctap::response_secret(c.data);
    return row.response_secret;
  });
}

std::string describe_masked(const CommandApdu& c, AppletId selected) {
  std::string line = header(c.cla, c.ins, c.p1, c.p2);
  if (!c.data.empty()) {
    line += ' ';
    line += carries_secret(c, selected) ? masked(c.data.size()) : to_hex(c.data, true);
  }
  if (c.ne != 0) {
    line += " Le=";
    line += std::to_string(c.ne);
  }
  return line;
}

std::string describe_masked(const CommandApdu& c, const ResponseApdu& r, AppletId selected) {
  std::string line;
  if (!r.data.empty()) {
    line = response_carries_secret(c, selected) ? masked(r.data.size()) : to_hex(r.data, true);
    line += ' ';
  }
  line += r.sw.hex();
  return line;
}

std::string describe_masked_raw(ByteView raw, AppletId selected) {
  auto parsed = iso7816::parse_command(raw);
  if (parsed) return describe_masked(*parsed, selected);
  std::string line;
  if (raw.size() < 4) {
    line = "<";
    line += std::to_string(raw.size());
    line += " bytes, not an APDU>";
    return line;
  }
  line = header(raw[0], raw[1], raw[2], raw[3]);
  line += " <";
  line += std::to_string(raw.size() - 4);
  line += " bytes after the header, malformed>";
  return line;
}

void SelectionTracker::observe(ByteView command, ByteView response) {
  auto c = iso7816::parse_command(command);
  if (!c || response.size() < 2 || c->ins != interindustry::kInsSelect ||
      c->p1 != interindustry::kSelectByAid)
    return;
  const uint8_t sw1 = response[response.size() - 2], sw2 = response[response.size() - 1];
  const bool success = (sw1 == 0x90 && sw2 == 0x00) || sw1 == 0x61;
  selected_ = success ? applet_for_aid(c->data) : AppletId::kNone;
}

}  // namespace keydesk::protocol
