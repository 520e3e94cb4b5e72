#include "runbook/diagnosis.h"

#include "runbook/diagnose.h"
#include "runbook/fido_probe.h"

namespace keydesk::runbook {

Result<Diagnosis> diagnose(access::Channel& channel, int tokens_present, Symptom symptom) {
  if (channel.effect() != access::Effect::kReadOnly)
    return Error::make(ErrorKind::kRefused, "a diagnosis runs only on a read-only channel");
  const access::TokenInfo& token = channel.token();
  TokenIdentity identity{token.index, token.reader, to_hex(token.atr, true), {}, {}, {}};
  host::ApduConnection* card = nullptr;
  if (!token.reader.empty()) {
    KD_ASSIGN_OR_RETURN(card, channel.card());
  }
  auto fido = make_fido_state_reader(channel);
  Diagnosis d;
  d.symptom = symptom;
  d.snapshot = take_snapshot(identity, tokens_present, card, fido.get());
  // "Nothing was spent" is checked, not assumed: the counters once more, compared with the snapshot's.
  d.again = reread_counters(d.snapshot, card, fido.get());
  const uint64_t refused = channel.guard_refusals() +
                           (d.snapshot.fido ? d.snapshot.fido->requests_refused : 0) +
                           (d.again.fido ? d.again.fido->requests_refused : 0);
  d.check = check_counters(d.snapshot, d.again, refused);
  d.findings = find_issues(d.snapshot);
  d.pin = pin_for_symptom(symptom, d.snapshot);
  d.apdus_sent = channel.apdus_sent();
  return d;
}

}  // namespace keydesk::runbook
