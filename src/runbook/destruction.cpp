#include "runbook/destruction.h"

#include "runbook/fido_operations.h"
#include "runbook/identity_probe.h"
#include "runbook/survival.h"
#include "runbook/token_reset.h"

namespace keydesk::runbook {

Result<DestructionReport> destroy(access::Channel& channel, std::string_view operation, Wipe wipe,
                                  const std::optional<std::string>& confirm_cuid) {
  if (channel.effect() != access::Effect::kDestroysData)
    return Error::make(ErrorKind::kRefused, "a wipe runs only on a channel opened to destroy data");
  KD_ASSIGN_OR_RETURN(host::ApduConnection * card, channel.card());
  DestructionReport report;
  report.operation = std::string(operation);
  KD_ASSIGN_OR_RETURN(report.cuid, read_cuid(*card));
  if (wipe == Wipe::kCardApplets) {
    // Said before the confirmation, every time: the PIV reset spends every PIN and PUK try on purpose.
    KD_ASSIGN_OR_RETURN(report.spends_all_pin_and_puk_tries, has_piv(*card));
  }
  if (auto confirmed = check_destruction_confirmed(report.cuid, confirm_cuid); !confirmed) {
    report.refused = confirmed.error();
    return report;
  }
  if (wipe == Wipe::kCardApplets) {
    KD_ASSIGN_OR_RETURN(report.steps, reset_card_applets(*card));
  } else {
    KD_ASSIGN_OR_RETURN(access::FidoLink * fido, channel.fido());
    KD_ASSIGN_OR_RETURN(report.steps, reset_fido(*fido));
  }
  return report;
}

}  // namespace keydesk::runbook
