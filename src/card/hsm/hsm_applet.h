// The SmartCard-HSM applet of keydesk-sim (CardContact's SmartCard-HSM, sold as Nitrokey HSM 2), as far as
// OpenSC's driver, its PKCS#11 module and sc-hsm-tool use it (docs/keydesk-sim.md, "SmartCard-HSM"):
// initialisation with the SO-PIN, the user PIN and its reset by the SO-PIN, status queries, files,
// EC key generation answering a CV-certificate request, and ECDSA signatures. Wire facts live in
// protocol/sc_hsm.h.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "card/applet.h"
#include "card/card_context.h"
#include "crypto/ec_key.h"
#include "protocol/sc_hsm.h"

namespace keydesk::card::hsm {

// A PIN-like secret of this applet with its retry counter (the user PIN and the SO-PIN). The value's
// length matters: CHANGE REFERENCE DATA sends old and new PIN concatenated, and the card splits them.
struct HsmSecret {
  Bytes value;  // empty: not set
  uint8_t max = 3;
  uint8_t remaining = 3;

  bool set() const { return !value.empty(); }
  bool blocked() const { return set() && remaining == 0; }
  json save() const;
  Status load(const json& j, const char* name, uint8_t max_allowed);
};

struct HsmKey {
  crypto::EcKey key;
  std::string pkcs8_hex;  // kept so save() stays cheap
};

struct DkekState {
  uint8_t shares = 0;
  uint8_t outstanding = 0;
  Bytes key_check_value = Bytes(8, 0);
};

class HsmApplet final : public Applet {
 public:
  // The SmartCard-HSM shares nothing with the card-wide PIN, PUK or policy: its secrets are its own.
  explicit HsmApplet(CardContext&) {}

  std::string_view name() const override { return "hsm"; }
  ByteView aid() const override;
  ResponseApdu select(const CommandApdu& cmd) override;
  ResponseApdu process(const CommandApdu& cmd) override;
  void deselect() override { reset_volatile(); }
  void reset_volatile() override;
  json save() const override;
  Status load(const json& section) override;

 private:
  bool initialized() const { return so_pin_.set(); }
  ResponseApdu select_file(const CommandApdu& cmd);
  ResponseApdu verify(const CommandApdu& cmd);
  ResponseApdu change_reference_data(const CommandApdu& cmd);
  ResponseApdu reset_retry_counter(const CommandApdu& cmd);
  ResponseApdu initialize(const CommandApdu& cmd);
  ResponseApdu dkek(const CommandApdu& cmd) const;
  ResponseApdu enumerate_objects(const CommandApdu& cmd) const;
  ResponseApdu read_binary(const CommandApdu& cmd);
  ResponseApdu update_binary(const CommandApdu& cmd);
  ResponseApdu delete_file(const CommandApdu& cmd);
  ResponseApdu generate_key_pair(const CommandApdu& cmd);
  ResponseApdu sign(const CommandApdu& cmd) const;
  ResponseApdu get_challenge(const CommandApdu& cmd) const;

  // A wrong SO-PIN spends one of its tries; 9000 means it matched (the counter is back at its maximum).
  iso7816::StatusWord check_so_pin(ByteView candidate);
  std::optional<Bytes> file(uint16_t fid) const;

  protocol::sc_hsm::AppletInfo info_{3, 5, 0};
  uint8_t applet_type_ = 0xFF;
  std::string device_id_;  // the device certificate's CHR without its 5-digit sequence number
  std::optional<crypto::EcKey> device_key_;
  std::string device_key_hex_;
  Bytes device_certificates_;  // EF 2F02: C_DevAut followed by its issuer's certificate
  uint16_t options_ = 0;
  HsmSecret so_pin_;
  HsmSecret user_pin_;
  bool transport_pin_ = false;
  std::optional<DkekState> dkek_;
  std::map<uint16_t, Bytes> files_;
  std::map<uint8_t, HsmKey> keys_;
  // volatile
  bool user_verified_ = false;
  std::optional<uint16_t> current_file_;
};

}  // namespace keydesk::card::hsm
