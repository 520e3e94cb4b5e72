// One applet of the simulated token. The Card dispatches SELECT by AID and every other command to the
// selected applet; command/response chaining and persistence are the Card's job, not the applet's.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"
#include "iso7816/apdu.h"

namespace keydesk::card {

using json = nlohmann::json;
using iso7816::CommandApdu;
using iso7816::ResponseApdu;

struct CardContext;

class Applet {
 public:
  virtual ~Applet() = default;
  // Key of this applet's section in the state file ("piv", "oath", "aca", "fido", ...).
  virtual std::string_view name() const = 0;
  // Full AID; a SELECT with any prefix of at least 5 bytes selects the applet.
  virtual ByteView aid() const = 0;
  // A SELECT naming this applet, whether it is the current applet already (a re-SELECT) or not (then the
  // previous applet's deselect() ran first): returns the SELECT response. What a re-SELECT does to the
  // session is each applet's specification's rule (docs/keydesk-sim.md, "Application sessions").
  virtual ResponseApdu select(const CommandApdu& cmd) = 0;
  virtual ResponseApdu process(const CommandApdu& cmd) = 0;
  // Another applet was selected (a failed SELECT leaves the current applet selected, ISO 7816-4).
  virtual void deselect() {}
  // Power cycle or reset: forget everything volatile (verified PINs, challenges, sessions).
  virtual void reset_volatile() = 0;
  // Only the contact interface was reset (Card::reset_contact_interface): for an applet reached over
  // nothing else, the same as a power cycle.
  virtual void reset_contact_interface() { reset_volatile(); }
  // Persistent state. save() must be cheap and deterministic: the Card compares it after every
  // command to decide whether the state file must be rewritten before the response leaves the card.
  virtual json save() const = 0;
  // Loads a saved section, or seeds from a profile section (fill in and generate what is missing).
  virtual Status load(const json& section) = 0;
  // Instruction the applet uses for "send remaining response data" besides ISO GET RESPONSE (C0).
  virtual bool is_send_remaining(const CommandApdu& cmd) const {
    (void)cmd;
    return false;
  }
};

}  // namespace keydesk::card
