// The PIV applet of keydesk-sim: SP 800-73-4 card commands plus the Yubico extensions ykman,
// yubico-piv-tool and OpenSC rely on (GET VERSION/SERIAL/METADATA, SET MANAGEMENT KEY, SET PIN RETRIES,
// RESET, IMPORT KEY, ATTEST). The PIN and PUK are the card's shared references (CardContext).
#pragma once

#include <chrono>
#include <map>
#include <optional>

#include "card/applet.h"
#include "card/card_context.h"
#include "card/piv/data_objects.h"
#include "card/piv/management_key.h"
#include "card/piv/pin_state.h"
#include "card/piv/piv_defs.h"
#include "card/piv/piv_key.h"

namespace keydesk::card::piv {

class PivApplet final : public Applet {
 public:
  explicit PivApplet(CardContext& context);

  std::string_view name() const override { return "piv"; }
  ByteView aid() const override;
  // SP 800-73-4 Part 2 section 3.1.1: a SELECT of the PIV application while it is the current application
  // leaves its security status (PIN verified, management key authenticated) as it is; selecting another
  // application resets it (deselect()), and so do a reset and a power cycle (reset_volatile()).
  ResponseApdu select(const CommandApdu& cmd) override;
  void deselect() override;
  ResponseApdu process(const CommandApdu& cmd) override;
  void reset_volatile() override;
  json save() const override;
  // A state section, or a profile section whose "provision" part says what to generate when seeding.
  Status load(const json& section) override;

 private:
  // data objects
  ResponseApdu get_data(const CommandApdu& cmd);
  ResponseApdu put_data(const CommandApdu& cmd);
  // key operations (piv_key_commands.cpp)
  ResponseApdu general_authenticate(const CommandApdu& cmd);
  ResponseApdu generate_key(const CommandApdu& cmd);
  ResponseApdu import_key(const CommandApdu& cmd);
  ResponseApdu attest(const CommandApdu& cmd);
  // Yubico administration
  ResponseApdu get_metadata(const CommandApdu& cmd) const;
  ResponseApdu set_management_key(const CommandApdu& cmd);
  ResponseApdu set_pin_retries(const CommandApdu& cmd);
  ResponseApdu reset(const CommandApdu& cmd);

  // PIN policy, then touch policy, of a key about to be used: 9000 or the status word refusing it.
  iso7816::StatusWord authorize_use(const piv::PivKey& key);
  Status provision(const json& plan);
  Status ensure_attestation();

  CardContext& context_;
  piv::ManagementKey management_key_;
  std::map<uint8_t, piv::PivKey> keys_;
  piv::DataObjectStore objects_;
  // volatile
  piv::ManagementAuth management_auth_;
  piv::PinState pin_state_;
  std::optional<std::chrono::steady_clock::time_point> last_touch_;
};

}  // namespace keydesk::card::piv
