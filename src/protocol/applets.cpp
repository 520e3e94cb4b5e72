#include "protocol/applets.h"

#include <algorithm>
#include <array>
#include <optional>

#include "protocol/aca.h"
#include "protocol/ctap.h"
#include "protocol/interindustry.h"
#include "protocol/piv.h"
#include "protocol/ykoath.h"
#include "protocol/yubico_mgmt.h"

namespace keydesk::protocol {
namespace {
constexpr size_t kMinSelectLength = 5;

const std::array<AppletProtocol, 5> kApplets{{
    {AppletId::kPiv, "PIV", piv::kAid, piv::kInstructions},
    {AppletId::kOath, "OATH", ykoath::kAid, ykoath::kInstructions},
    {AppletId::kManagement, "management", yubico_mgmt::kAid, yubico_mgmt::kInstructions},
    {AppletId::kFido, "FIDO", ctap::nfcctap::kAid, ctap::nfcctap::kInstructions},
    {AppletId::kAca, "ACA", aca::kAid, aca::kInstructions},
}};
}  // namespace

std::span<const AppletProtocol> applets() {
  return kApplets;
}

const char* applet_name(AppletId id) {
  for (const auto& a : kApplets)
    if (a.id == id) return a.name;
  return "none";
}

AppletId applet_for_aid(ByteView aid) {
  if (aid.size() < kMinSelectLength) return AppletId::kNone;
  std::optional<AppletId> match;
  for (const auto& known : kApplets) {
    const size_t n = std::min(aid.size(), known.aid.size());
    if (!std::equal(aid.begin(), aid.begin() + static_cast<std::ptrdiff_t>(n), known.aid.begin())) continue;
    if (match) return AppletId::kNone;  // ambiguous prefix: assume nothing
    match = known.id;
  }
  return match.value_or(AppletId::kNone);
}

const Instruction* find_instruction(AppletId applet, const iso7816::CommandApdu& c) {
  if (const Instruction* row = find_instruction(interindustry::kInstructions, c)) return row;
  for (const auto& a : kApplets)
    if (a.id == applet) return find_instruction(a.instructions, c);
  return nullptr;
}

}  // namespace keydesk::protocol
