// The property names of the case study (CurrentPinTryCounter, PUKInitialized, FriendlyName, ...) as JSON:
// what aca-props-get, otp-props-get, fido-props-get and diagnose print. A value the token cannot tell is
// null and its reason sits under "Unknown".
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "runbook/counter_check.h"
#include "runbook/findings.h"

namespace keydesk::report {

using ojson = nlohmann::ordered_json;

// A value the token did not tell is null in every document (docs/cli-json-schema.json).
template <typename T>
ojson or_null(const std::optional<T>& v) {
  return v ? ojson(*v) : ojson(nullptr);
}

ojson access_control_json(const runbook::AccessControl& a);
ojson oath_json(const runbook::OathState& oath);
ojson fido_json(const runbook::FidoState& fido);
ojson findings_json(const std::vector<runbook::Finding>& findings);
// diagnose's "CounterCheck": the counters read at the start and at the end, compared.
ojson counter_check_json(const runbook::CounterCheck& check);

}  // namespace keydesk::report
