#include "token/standard_token.h"

#include <array>

#include "card/aca/aca_applet.h"
#include "card/mgmt/management_applet.h"
#include "card/oath/oath_applet.h"
#include "card/piv/piv_applet.h"

namespace keydesk::token {
namespace {

struct AppletEntry {
  std::string_view section;
  void (*install)(card::Card& card, StandardApplets& installed);
};

// One row per applet: the state-file section it owns and how it is added to a card.
constexpr std::array kApplets{
    AppletEntry{"piv", [](card::Card& c, StandardApplets&) { c.emplace_applet<card::piv::PivApplet>(); }},
    AppletEntry{"oath", [](card::Card& c, StandardApplets&) { c.emplace_applet<card::oath::OathApplet>(); }},
    AppletEntry{"aca", [](card::Card& c, StandardApplets&) { c.emplace_applet<card::aca::AcaApplet>(); }},
    AppletEntry{"mgmt",
                [](card::Card& c, StandardApplets&) { c.emplace_applet<card::mgmt::ManagementApplet>(); }},
    AppletEntry{"fido", [](card::Card& c,
                           StandardApplets& s) { s.fido = &c.emplace_applet<card::fido::FidoApplet>(); }},
};

}  // namespace

std::vector<std::string_view> standard_applet_sections() {
  std::vector<std::string_view> out;
  for (const auto& entry : kApplets) out.push_back(entry.section);
  return out;
}

StandardApplets install_standard_applets(card::Card& card, const card::json& doc) {
  StandardApplets installed;
  const auto applets = doc.find("applets");
  if (applets == doc.end() || !applets->is_object()) return installed;
  for (const auto& entry : kApplets)
    if (applets->contains(std::string(entry.section))) entry.install(card, installed);
  return installed;
}

}  // namespace keydesk::token
