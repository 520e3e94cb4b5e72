// keydesk's access-control applet (ACA): an open protocol (docs/aca-protocol.md) over the card PIN and PUK
// that the PIV applet shares, plus an external-authentication (XAUTH) admin key for help-desk unblock
// without a PUK. Reading properties never spends a try.
#pragma once

#include "card/aca/xauth_key.h"
#include "card/applet.h"
#include "card/card_context.h"
#include "card/pin/card_pin_verifier.h"

namespace keydesk::card::aca {

class AcaApplet final : public Applet {
 public:
  explicit AcaApplet(CardContext& context);

  std::string_view name() const override { return "aca"; }
  ByteView aid() const override;
  ResponseApdu select(const CommandApdu& cmd) override;
  ResponseApdu process(const CommandApdu& cmd) override;
  void deselect() override;
  void reset_volatile() override;
  json save() const override;
  Status load(const json& section) override;

 private:
  ResponseApdu process_iso(const CommandApdu& cmd);
  ResponseApdu process_proprietary(const CommandApdu& cmd);

  ResponseApdu get_properties() const;
  ResponseApdu set_properties(const CommandApdu& cmd);
  ResponseApdu change_pin(const CommandApdu& cmd);
  ResponseApdu reset_retry_counter(const CommandApdu& cmd);
  ResponseApdu put_puk(const CommandApdu& cmd);
  ResponseApdu get_challenge(const CommandApdu& cmd);
  ResponseApdu external_authenticate(const CommandApdu& cmd);
  ResponseApdu unblock_with_xauth(const CommandApdu& cmd);
  ResponseApdu put_xauth_key(const CommandApdu& cmd);

  // A new PIN that the policy accepts (length), or nullopt.
  std::optional<Bytes> acceptable_new_pin(ByteView field) const;
  // Sets the PIN, restores its counter and lifts a forced change (the holder just chose it).
  void install_pin(Bytes& pin);

  CardContext& context_;
  pin::CardPinVerifier pin_;
  XauthKey xauth_;
  bool xauth_authenticated_ = false;  // volatile: this card session passed EXTERNAL AUTHENTICATE
};

}  // namespace keydesk::card::aca
