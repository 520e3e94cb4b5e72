// The FIDO applet of keydesk-sim's card: CTAP over ISO 7816-4 (NFCCTAP, CTAP 2.1 section 11.3), so the
// same authenticator is reachable over PC/SC as over the CTAPHID socket.
#pragma once

#include "card/applet.h"
#include "card/fido/authenticator.h"

namespace keydesk::card::fido {

class FidoApplet final : public card::Applet {
 public:
  explicit FidoApplet(card::CardContext& context) : authenticator_(context) {}

  std::string_view name() const override { return "fido"; }
  ByteView aid() const override;
  card::ResponseApdu select(const card::CommandApdu& cmd) override;
  card::ResponseApdu process(const card::CommandApdu& cmd) override;
  void reset_volatile() override { authenticator_.reset_volatile(); }
  // The authenticator is one function behind two interfaces. A reset of the contact interface ends a
  // session held over it (NFC: CTAP 2.1 section 11.3, where that reset is the power-up), and starts
  // the reset window as a power-up does; a session held over CTAPHID (USB HID) is not disturbed, as a
  // CCID reset of a USB key leaves its HID interface alone.
  void reset_contact_interface() override;
  card::json save() const override { return authenticator_.save(); }
  Status load(const card::json& section) override { return authenticator_.load(section); }

  // For the CTAPHID server, which calls it under Card::exclusive.
  Authenticator& authenticator() { return authenticator_; }

 private:
  Authenticator authenticator_;
};

}  // namespace keydesk::card::fido
