// The SmartCard-HSM's SO-PIN operations (docs/hsm.md): initialise or re-initialise, reset the user PIN with
// the SO-PIN, change the SO-PIN. Each one reads the SO-PIN's tries without spending (before), refuses
// through the retry interlock when few are left (unless forced), refuses what the device would refuse
// without trying (a blocked SO-PIN, a user PIN reset the initialisation did not enable), makes exactly ONE
// attempt (never repeated) and reads the tries again (after). The SO-PIN itself arrives already checked
// (runbook/hsm_so_pin.h).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "host/apdu_connection.h"
#include "runbook/hsm_so_pin.h"
#include "runbook/pin_operations.h"

namespace keydesk::runbook {

struct HsmAttemptReport {
  std::string operation;  // "hsm-init", "hsm-pin-unblock", "hsm-so-pin-change"
  std::string device_id;
  bool so_pin_tried = false;  // false for a first initialisation: there was no SO-PIN to check
  std::optional<int> so_before, so_after;
  int so_max = 15;
  std::optional<int> user_after;
  uint16_t status_word = 0x9000;
  AttemptOutcome outcome = AttemptOutcome::kOk;
  std::string next_step;
  std::optional<bool> escrowed;  // set when an escrow was asked for: whether the SO-PIN is on record
  std::string escrow_problem;    // why not, when it could not be recorded after the attempt
};

// Records the SO-PIN (escrow) for the device named by its id; ok or why not.
using SoPinEscrow = std::function<Status(const std::string& device_id)>;

// `confirm`: the device id or CUID the operator confirmed; a re-initialisation deletes every key, so it
// runs only when it names this device (kRefused naming what to pass, nothing sent, otherwise).
// `escrow` (optional): a first initialisation sets the SO-PIN, so it is recorded BEFORE it is sent and a
// failure to record sends nothing; a re-initialisation only proves the SO-PIN, so it is recorded after
// the device accepted it (`escrowed` says whether it was).
Result<HsmAttemptReport> hsm_initialize(host::ApduConnection& c, const SoPinInput& so_pin,
                                        std::string_view user_pin, uint8_t user_pin_tries,
                                        const std::optional<std::string>& confirm, const std::string& cuid,
                                        bool force, const SoPinEscrow& escrow = {});
Result<HsmAttemptReport> hsm_reset_user_pin(host::ApduConnection& c, const SoPinInput& so_pin,
                                            std::string_view new_pin, bool force);
Result<HsmAttemptReport> hsm_change_so_pin(host::ApduConnection& c, const SoPinInput& current,
                                           const SoPinInput& replacement, bool force);

// Why there is no way back from a blocked SO-PIN (finding and refusal text).
extern const char* const kHsmNoFactoryReset;

}  // namespace keydesk::runbook
