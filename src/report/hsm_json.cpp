#include "report/hsm_json.h"

#include "core/error.h"
#include "core/text.h"

namespace keydesk::report {
namespace {}  // namespace

ojson hsm_state_json(const runbook::HsmState& h) {
  ojson j;
  j["Version"] = h.version;
  j["ConfigOptions"] = or_null(h.options);
  j["UserPinResetWithSoPin"] = h.reset_with_so_pin_enabled();
  j["TransportPinMode"] = h.transport_pin_mode();
  if (h.device_id.empty())
    j["DeviceId"] = nullptr;
  else
    put_text(j, "DeviceId", h.device_id);
  j["Initialized"] = h.initialized;
  j["SoPinTriesLeft"] = or_null(h.so_remaining);
  j["SoPinMaxTries"] = h.so_max;
  j["UserPinTriesLeft"] = or_null(h.user_remaining);
  j["UserPinIsTransportPin"] = h.user_transport_pin;
  j["UserPinVerified"] = h.user_verified;
  j["DkekShares"] = or_null(h.dkek_shares);
  j["DkekOutstanding"] = or_null(h.dkek_outstanding);
  return j;
}

ojson hsm_status_json(const runbook::HsmState& hsm, const std::vector<runbook::Finding>& findings,
                      const runbook::CounterCheck& check, uint64_t apdus_sent) {
  ojson j;
  j["Hsm"] = hsm_state_json(hsm);
  j["Findings"] = findings_json(findings);
  j["CounterCheck"] = counter_check_json(check);
  j["ApdusSent"] = apdus_sent;
  return j;
}

ojson hsm_attempt_json(const runbook::HsmAttemptReport& r) {
  auto meaning = explain_status_word(r.status_word);
  ojson j;
  j["Operation"] = r.operation;
  if (r.device_id.empty())
    j["DeviceId"] = nullptr;
  else
    put_text(j, "DeviceId", r.device_id);
  j["SoPinTried"] = r.so_pin_tried;
  j["StatusWord"] = meaning ? meaning->name : iso7816::StatusWord(r.status_word).hex();
  j["Meaning"] = meaning ? meaning->meaning : "unknown status word";
  j["Outcome"] = runbook::attempt_outcome_name(r.outcome);
  j["SoPinTriesBefore"] = or_null(r.so_before);
  j["SoPinTriesAfter"] = or_null(r.so_after);
  j["SoPinMaxTries"] = r.so_max;
  j["UserPinTriesAfter"] = or_null(r.user_after);
  j["NextStep"] = r.next_step.empty() ? ojson(nullptr) : ojson(r.next_step);
  return j;
}

}  // namespace keydesk::report
