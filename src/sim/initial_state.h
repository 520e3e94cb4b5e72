// Where the token's state comes from when keydesk-sim starts: an existing state file is loaded as it is
// (never reseeded); only a missing one is seeded from the profile.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/result.h"

namespace keydesk::sim {

struct InitialState {
  nlohmann::json document;
  bool seeded = false;  // true: from the profile (the file will be created by the first load)
};

// Errors: kMalformed for an existing file that is not a keydesk-sim state (the file is left untouched),
// kNotFound for an unknown profile, kUsage when there is neither a file nor a profile.
Result<InitialState> initial_state(const std::string& state_path, const std::string& profile,
                                   const std::vector<std::string>& profile_search_path);

}  // namespace keydesk::sim
