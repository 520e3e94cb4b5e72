// The property names of the case study (CurrentPinTryCounter, PUKInitialized, FriendlyName, ...) as JSON:
// what aca-props-get, otp-props-get, fido-props-get and diagnose print. A value the token cannot tell is
// null and its reason sits under "Unknown".
#pragma once

#include <nlohmann/json.hpp>

#include "runbook/counter_check.h"
#include "runbook/findings.h"

namespace keydesk::report {

using ojson = nlohmann::ordered_json;

ojson access_control_json(const runbook::AccessControl& a);
ojson oath_json(const runbook::OathState& oath);
ojson fido_json(const runbook::FidoState& fido);
ojson findings_json(const std::vector<runbook::Finding>& findings);
// diagnose's "CounterCheck": the counters read at the start and at the end, compared.
ojson counter_check_json(const runbook::CounterCheck& check);

}  // namespace keydesk::report
