#include "card/fido/fido_applet.h"

#include <array>

namespace keydesk::card::fido {
namespace sw = iso7816::sw;
namespace {
constexpr std::array<uint8_t, 8> kFidoAid = {0xA0, 0x00, 0x00, 0x06, 0x47, 0x2F, 0x00, 0x01};
constexpr uint8_t kClaProprietary = 0x80;
constexpr uint8_t kInsNfcctapMsg = 0x10;
constexpr uint8_t kInsNfcctapGetResponse = 0x11;
}  // namespace

ByteView FidoApplet::aid() const {
  return kFidoAid;
}

card::ResponseApdu FidoApplet::select(const card::CommandApdu&) {
  // CTAP 2.1 section 11.3.3: "U2F_V2" for an authenticator that also speaks CTAP1/U2F (clients then probe
  // getInfo), "FIDO_2_0" for a CTAP2-only one.
  return card::ResponseApdu::success(bytes_of(authenticator_.profile().speaks_u2f() ? "U2F_V2" : "FIDO_2_0"));
}

void FidoApplet::reset_contact_interface() {
  if (authenticator_.link() == Authenticator::Link::kHid) return;
  authenticator_.reset_volatile();
  authenticator_.context().powered_on_at = std::chrono::steady_clock::now();
}

card::ResponseApdu FidoApplet::process(const card::CommandApdu& cmd) {
  authenticator_.note_link(Authenticator::Link::kContact);
  // U2F over ISO 7816 (CTAP 2.1 section 11.3.4): the raw-message APDUs with CLA 00, INS 01/02/03.
  if (cmd.cla == 0x00 && authenticator_.profile().speaks_u2f()) {
    Bytes out = authenticator_.u2f(U2fRequest{cmd.cla, cmd.ins, cmd.p1, cmd.p2, cmd.data});
    const auto status = static_cast<uint16_t>((out[out.size() - 2] << 8) | out[out.size() - 1]);
    out.resize(out.size() - 2);
    return card::ResponseApdu{std::move(out), iso7816::StatusWord(status)};
  }
  if (cmd.cla != kClaProprietary) return card::ResponseApdu::status(sw::kClaNotSupported);
  if (cmd.ins == kInsNfcctapMsg) {
    if (cmd.p2 != 0x00 || (cmd.p1 != 0x00 && cmd.p1 != 0x80))
      return card::ResponseApdu::status(sw::kIncorrectP1P2);
    // Every command completes before the response (presence is decided at once), so the keepalive
    // status 9100 is never needed — and libfido2 1.12 would misread it (it never sets P1 = 80).
    return card::ResponseApdu::success(authenticator_.handle(cmd.data));
  }
  // Nothing is ever pending: a GET RESPONSE poll has nothing to collect.
  if (cmd.ins == kInsNfcctapGetResponse) return card::ResponseApdu::status(sw::kConditionsNotSatisfied);
  return card::ResponseApdu::status(sw::kInsNotSupported);
}

}  // namespace keydesk::card::fido
