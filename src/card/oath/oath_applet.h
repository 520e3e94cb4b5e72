// YKOATH (protocol/ykoath.h) plus keydesk's extensions
// (docs/oath-extensions.md): per-credential access rules for contact and contactless use, VERIFY with the
// card PIN, and GET CREDENTIAL PROPERTIES. keydesk-sim presents itself over a contact interface, so the
// contact rule is the one enforced.
#pragma once

#include <vector>

#include "card/applet.h"
#include "card/card_context.h"
#include "card/oath/oath_access_key.h"
#include "card/oath/oath_credential.h"
#include "card/pin/card_pin_verifier.h"
#include "protocol/ykoath.h"

namespace keydesk::card::oath {

class OathApplet final : public Applet {
 public:
  explicit OathApplet(CardContext& context);

  std::string_view name() const override { return "oath"; }
  ByteView aid() const override;
  ResponseApdu select(const CommandApdu& cmd) override;
  ResponseApdu process(const CommandApdu& cmd) override;
  void deselect() override;
  void reset_volatile() override;
  json save() const override;
  Status load(const json& section) override;
  bool is_send_remaining(const CommandApdu& cmd) const override {
    return cmd.ins == protocol::ykoath::kInsSendRemaining;
  }

 private:
  ResponseApdu put(const CommandApdu& cmd);
  ResponseApdu remove(const CommandApdu& cmd);
  ResponseApdu rename(const CommandApdu& cmd);
  ResponseApdu reset(const CommandApdu& cmd);
  ResponseApdu list() const;
  ResponseApdu calculate(const CommandApdu& cmd);
  ResponseApdu calculate_all(const CommandApdu& cmd) const;
  ResponseApdu credential_properties() const;

  // 9000 when the credential's contact rule allows a calculation now; may ask for a touch.
  iso7816::StatusWord authorize(const OathCredential& credential) const;
  // True when CALCULATE ALL may compute this credential without asking anybody for anything.
  bool computable_unattended(const OathCredential& credential) const;
  OathCredential* find(ByteView name);

  CardContext& context_;
  pin::CardPinVerifier pin_;
  OathAccessKey access_key_;
  Bytes salt_;  // SELECT tag 71: device id and PBKDF2 salt, new after RESET
  std::vector<OathCredential> credentials_;
};

}  // namespace keydesk::card::oath
