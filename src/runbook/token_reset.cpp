#include "runbook/token_reset.h"

#include "host/oath_session.h"

namespace keydesk::runbook {

Result<std::vector<std::string>> reset_card_applets(host::ApduConnection& connection) {
  std::vector<std::string> steps;
  host::OathSession oath(connection);
  if (auto selected = oath.select(); selected) {
    KD_TRY(oath.reset());
    steps.push_back("OATH: every credential and the access key deleted");
  } else {
    steps.push_back("OATH: no OATH applet, nothing to delete");
  }
  steps.push_back("PIV and the card PIN/PUK: NOT reset (keydesk cannot reset PIV yet)");
  return steps;
}

}  // namespace keydesk::runbook
