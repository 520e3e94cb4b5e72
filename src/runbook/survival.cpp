#include "runbook/survival.h"

#include <algorithm>
#include <cctype>

namespace keydesk::runbook {

const char* survival_name(Survival s) {
  switch (s) {
    case Survival::kKeeps:
      return "keeps";
    case Survival::kWipes:
      return "WIPES";
    case Survival::kVerify:
      return "verify";
  }
  return "verify";
}

const std::vector<SurvivalRow>& survival_table() {
  using enum Survival;
  // token-new / token-reset reach the card interface only; whether a vendor's reset also reaches FIDO
  // (HID) varies, hence "verify": follow with fido-token-reset when FIDO must be clean.
  // Seed 002's vendor table has them wipe the external-auth (XAUTH) key too; keydesk's reset is PIV RESET
  // plus OATH RESET, and the open ACA protocol has no wipe instruction, so the XAUTH key is kept — which
  // also keeps the help desk's non-destructive unblock path.
  static const std::vector<SurvivalRow> kTable{
      {"pin-change", kKeeps, kKeeps, kKeeps, kKeeps},
      {"pin-reset-tries", kKeeps, kKeeps, kKeeps, kKeeps},
      {"fido-pin-change", kKeeps, kKeeps, kKeeps, kKeeps},
      {"fido-token-reset", kKeeps, kKeeps, kWipes, kKeeps},
      {"token-new", kWipes, kWipes, kVerify, kKeeps},
      {"token-reset", kWipes, kWipes, kVerify, kKeeps},
  };
  return kTable;
}

const SurvivalRow* survival_of(std::string_view operation) {
  for (const auto& row : survival_table())
    if (row.operation == operation) return &row;
  return nullptr;
}

Status check_destruction_confirmed(std::string_view token_cuid,
                                   const std::optional<std::string>& confirm_cuid) {
  auto upper = [](std::string_view s) {
    std::string u(s);
    std::transform(u.begin(), u.end(), u.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return u;
  };
  if (token_cuid.empty())
    return Error::make(ErrorKind::kRefused,
                       "the token reports no CUID, so the destruction cannot be confirmed");
  if (!confirm_cuid)
    return Error::make(
        ErrorKind::kRefused,
        "destructive: read what survives, then repeat with --confirm-cuid " + std::string(token_cuid));
  if (upper(*confirm_cuid) != upper(token_cuid))
    return Error::make(ErrorKind::kRefused, "--confirm-cuid " + *confirm_cuid +
                                                " is not this token's CUID (" + std::string(token_cuid) +
                                                "): wrong token?");
  return {};
}

}  // namespace keydesk::runbook
