// The standard token of keydesk-sim: which applet serves which section of a profile or state document.
#pragma once

#include <string_view>
#include <vector>

#include "card/card.h"
#include "card/fido/fido_applet.h"

namespace keydesk::token {

// Applets other interfaces of the sim need to reach directly (the CTAPHID socket serves the FIDO
// applet's authenticator). Null when the document has no such section.
struct StandardApplets {
  card::fido::FidoApplet* fido = nullptr;
};

// Section names ("oath", "aca", "mgmt", "fido", ...) of every applet this build can install.
std::vector<std::string_view> standard_applet_sections();

// Adds to `card` every standard applet whose section `doc["applets"]` has; call before Card::load(doc).
StandardApplets install_standard_applets(card::Card& card, const card::json& doc);

}  // namespace keydesk::token
