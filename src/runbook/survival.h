// What each recovery operation keeps and wipes (docs/field-notes.md, case 2). Destructive commands print their row
// before asking for --confirm-cuid, so nobody learns it afterwards.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace keydesk::runbook {

enum class Survival { kKeeps, kWipes, kVerify };
const char* survival_name(Survival s);  // "keeps", "WIPES", "verify"

struct SurvivalRow {
  std::string_view operation;
  Survival certificates, oath, fido, xauth_keys;
};

const std::vector<SurvivalRow>& survival_table();
// The row of a command name; nullptr for commands not in the table.
const SurvivalRow* survival_of(std::string_view operation);

// A destructive command runs only when the operator typed the CUID of the token in front of them
// (case-insensitive); kRefused otherwise, naming the CUID to type after reading what survives.
Status check_destruction_confirmed(std::string_view token_cuid,
                                   const std::optional<std::string>& confirm_cuid);

}  // namespace keydesk::runbook
