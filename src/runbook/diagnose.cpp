#include "runbook/diagnose.h"

#include <algorithm>

#include "runbook/access_control_probe.h"
#include "runbook/hsm_probe.h"
#include "runbook/identity_probe.h"
#include "runbook/oath_probe.h"

namespace keydesk::runbook {

TokenSnapshot take_snapshot(TokenIdentity identity, int tokens_present, host::ApduConnection* card,
                            FidoStateReader* fido) {
  TokenSnapshot s;
  s.identity = std::move(identity);
  s.tokens_present = tokens_present;
  if (card) {
    if (auto cuid = read_cuid(*card))
      s.identity.cuid = *cuid;
    else
      s.probe_errors["cuid"] = cuid.error();
    if (auto access = read_access_control(*card))
      s.access = std::move(access).value();
    else
      s.probe_errors["access-control"] = access.error();
    if (auto oath = read_oath(*card))
      s.oath = std::move(oath).value();
    else
      s.probe_errors["oath"] = oath.error();
    // Last of the card probes, so the others keep their place in the sequence of commands.
    if (auto hsm = read_hsm(*card))
      s.hsm = std::move(hsm).value();
    else
      s.probe_errors["hsm"] = hsm.error();
    // A SmartCard-HSM has no PIV, ACA or OATH applet: their absence there is not a failed probe.
    if (s.hsm)
      std::erase_if(s.probe_errors, [](const auto& entry) {
        return (entry.first == "access-control" || entry.first == "oath") &&
               entry.second.kind == ErrorKind::kNotSupported;
      });
    s.apdus_sent = card->apdu_count();
  }
  if (fido) {
    s.fido = fido->read();
    if (s.fido->link_failure) s.probe_errors["fido"] = *s.fido->link_failure;
  }
  return s;
}

TokenSnapshot reread_counters(const TokenSnapshot& before, host::ApduConnection* card,
                              FidoStateReader* fido) {
  TokenSnapshot s;
  s.identity = before.identity;
  s.tokens_present = before.tokens_present;
  const bool any_hotp =
      before.oath && std::any_of(before.oath->credentials.begin(), before.oath->credentials.end(),
                                 [](const OathCredential& c) { return c.type == "HOTP" && c.counter; });
  if (fido && before.fido && before.fido->reachable) s.fido = fido->read_again();
  if (card && before.hsm) {
    if (auto hsm = read_hsm(*card, true))
      s.hsm = std::move(hsm).value();
    else
      s.probe_errors["hsm"] = hsm.error();
  }
  if (card) {
    if (auto access = read_access_control(*card))
      s.access = std::move(access).value();
    else if (!(before.hsm && access.error().kind == ErrorKind::kNotSupported))
      s.probe_errors["access-control"] = access.error();
    if (any_hotp) {
      if (auto oath = read_oath(*card))
        s.oath = std::move(oath).value();
      else
        s.probe_errors["oath"] = oath.error();
    }
    s.apdus_sent = card->apdu_count();
  }
  return s;
}

}  // namespace keydesk::runbook
