// Profiles as data: profiles/NAME/card.json + one JSON file per applet, merged into one seed document.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace keydesk::card {

// Directories searched for profiles, in order: $KEYDESK_PROFILE_DIR, then the given defaults.
std::vector<std::string> profile_search_path(const std::vector<std::string>& defaults);
// Loads profile NAME from the first directory of the search path that has it.
Result<nlohmann::json> load_profile(const std::string& name, const std::vector<std::string>& search_path);
std::vector<std::string> list_profiles(const std::vector<std::string>& search_path);

}  // namespace keydesk::card
