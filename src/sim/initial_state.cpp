#include "sim/initial_state.h"

#include <filesystem>

#include "card/card.h"
#include "card/profile.h"
#include "card/state_file.h"

namespace keydesk::sim {

Result<InitialState> initial_state(const std::string& state_path, const std::string& profile,
                                   const std::vector<std::string>& profile_search_path) {
  std::error_code ec;
  if (std::filesystem::exists(state_path, ec)) {
    auto doc = card::read_json_file(state_path);
    if (!doc)
      return Error::make(ErrorKind::kMalformed,
                         state_path + " is not a keydesk-sim state file (" + describe(doc.error()) + ")");
    if (!doc->is_object() || doc->value("format", "") != card::kStateFormat)
      return Error::make(ErrorKind::kMalformed, state_path +
                                                    " is not a keydesk-sim state file (no \"format\": \"" +
                                                    std::string(card::kStateFormat) + "\")");
    return InitialState{std::move(*doc), false};
  }
  if (profile.empty())
    return Error::make(ErrorKind::kUsage,
                       state_path + " does not exist and no --profile was given to seed it");
  auto doc = card::load_profile(profile, profile_search_path);
  if (!doc) return doc.error();
  return InitialState{std::move(*doc), true};
}

}  // namespace keydesk::sim
