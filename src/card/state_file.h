// Durable state files: written to a temporary file, fsync'd, renamed over the old one, directory fsync'd,
// so a kill -9 at any instant leaves either the old or the new state, never a torn one.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace keydesk::card {

Status write_file_atomically(const std::string& path, const std::string& content);
Result<nlohmann::json> read_json_file(const std::string& path);

}  // namespace keydesk::card
