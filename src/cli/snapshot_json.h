// The property names of the case study (CurrentPinTryCounter, PUKInitialized, FriendlyName, ...) as JSON:
// what aca-props-get, otp-props-get, fido-props-get and diagnose print. A value the token cannot tell is
// null and its reason sits under "Unknown".
#pragma once

#include <nlohmann/json.hpp>

#include "runbook/findings.h"

namespace keydesk::cli {

using ojson = nlohmann::ordered_json;

ojson access_control_json(const runbook::AccessControl& a);
ojson oath_json(const runbook::OathState& oath);
ojson fido_json(const runbook::FidoState& fido);
ojson findings_json(const std::vector<runbook::Finding>& findings);

}  // namespace keydesk::cli
