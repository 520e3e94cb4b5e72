// The Yubico management applet (protocol/yubico_mgmt.h), as far as `ykman info` needs it: a SELECT
// answering with the firmware version as text and READ CONFIG with serial, capabilities and form factor.
#pragma once

#include "card/applet.h"
#include "card/card_context.h"

namespace keydesk::card::mgmt {

class ManagementApplet final : public Applet {
 public:
  explicit ManagementApplet(CardContext& context) : context_(context) {}

  std::string_view name() const override { return "mgmt"; }
  ByteView aid() const override;
  ResponseApdu select(const CommandApdu& cmd) override;
  ResponseApdu process(const CommandApdu& cmd) override;
  void reset_volatile() override {}
  json save() const override;
  Status load(const json& section) override;

 private:
  ResponseApdu read_config() const;

  CardContext& context_;
  uint8_t form_factor_ = 0x01;  // USB-A keychain
};

}  // namespace keydesk::card::mgmt
