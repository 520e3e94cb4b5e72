#include "card/profile.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "card/state_file.h"
#include "core/text.h"

namespace keydesk::card {
namespace fs = std::filesystem;

std::vector<std::string> profile_search_path(const std::vector<std::string>& defaults) {
  std::vector<std::string> out;
  if (const char* env = std::getenv("KEYDESK_PROFILE_DIR"); env && *env) out.emplace_back(env);
  out.insert(out.end(), defaults.begin(), defaults.end());
  return out;
}

Result<nlohmann::json> load_profile(const std::string& name, const std::vector<std::string>& search_path) {
  if (name.empty() || name.find('/') != std::string::npos || name.find("..") != std::string::npos)
    return Error::make(ErrorKind::kUsage, "invalid profile name " + quoted_text(name));
  for (const auto& dir : search_path) {
    const fs::path base = fs::path(dir) / name;
    if (!fs::is_regular_file(base / "card.json")) continue;
    auto card = read_json_file((base / "card.json").string());
    if (!card) return card.error();
    nlohmann::json doc = *card;
    doc["card"]["profile"] = name;
    doc["applets"] = nlohmann::json::object();
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(base))
      if (entry.path().extension() == ".json" && entry.path().filename() != "card.json")
        files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      auto section = read_json_file(f.string());
      if (!section) return section.error();
      doc["applets"][f.stem().string()] = *section;
    }
    return doc;
  }
  // Where it looked, so that a packaged or build-tree keydesk-sim that finds nothing says why.
  std::string message = "profile " + quoted_text(name) + " not found in";
  for (size_t i = 0; i < search_path.size(); ++i) {
    message += i == 0 ? " " : ", ";
    message += search_path[i];
  }
  if (search_path.empty()) message += " no directory (set KEYDESK_PROFILE_DIR)";
  message += " (available: ";
  const auto available = list_profiles(search_path);
  for (size_t i = 0; i < available.size(); ++i) {
    if (i != 0) message += ", ";
    message += available[i];
  }
  if (available.empty()) message += "none";
  message += ')';
  return Error::make(ErrorKind::kNotFound, message);
}

std::vector<std::string> list_profiles(const std::vector<std::string>& search_path) {
  std::vector<std::string> out;
  for (const auto& dir : search_path) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (entry.is_directory() && fs::is_regular_file(entry.path() / "card.json")) {
        const std::string n = entry.path().filename().string();
        if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
      }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace keydesk::card
