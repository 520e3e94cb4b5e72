#include "card/mgmt/management_applet.h"

#include <array>
#include <string>

#include "iso7816/tlv.h"
#include "protocol/yubico_mgmt.h"

namespace keydesk::card::mgmt {
namespace sw = iso7816::sw;

namespace {
using namespace protocol::yubico_mgmt;
// What keydesk-sim implements.
constexpr uint16_t kCapabilities = kCapPiv | kCapOath | kCapFido2;
}  // namespace

ByteView ManagementApplet::aid() const {
  return kAid;
}

ResponseApdu ManagementApplet::select(const CommandApdu&) {
  // No security state to keep or reset: READ CONFIG is the only instruction and needs no authentication.
  const auto& v = context_.identity.version;
  // ykman takes the first "major.minor.patch" from this text as the firmware version.
  const std::string text = "keydesk-sim management - FW version " + std::to_string(v[0]) + "." +
                           std::to_string(v[1]) + "." + std::to_string(v[2]);
  return ResponseApdu::success(bytes_of(text));
}

ResponseApdu ManagementApplet::process(const CommandApdu& cmd) {
  // Anything outside CLA 00, e.g. the raw NEO workaround "A4 04 00 08" ykman sends to old firmware.
  if (cmd.cla != 0x00) return ResponseApdu::status(sw::kClaNotSupported);
  if (cmd.ins != kInsReadConfig) return ResponseApdu::status(sw::kInsNotSupported);
  if (cmd.p1 != 0x00 || cmd.p2 != 0x00) return ResponseApdu::status(sw::kWrongP1P2);
  return read_config();
}

ResponseApdu ManagementApplet::read_config() const {
  Bytes tlvs;
  Bytes caps;
  append_be16(caps, kCapabilities);
  iso7816::append_tlv(tlvs, kTagUsbSupported, caps);
  Bytes serial;
  append_be32(serial, context_.identity.serial);
  iso7816::append_tlv(tlvs, kTagSerial, serial);
  iso7816::append_tlv(tlvs, kTagUsbEnabled, caps);
  iso7816::append_tlv(tlvs, kTagFormFactor, Bytes{form_factor_});
  iso7816::append_tlv(tlvs, kTagVersion, ByteView(context_.identity.version, 3));
  iso7816::append_tlv(tlvs, kTagAutoEjectTimeout, Bytes{0x00, 0x00});
  iso7816::append_tlv(tlvs, kTagChallengeResponseTimeout, Bytes{0x0F});
  iso7816::append_tlv(tlvs, kTagDeviceFlags, Bytes{0x00});
  iso7816::append_tlv(tlvs, kTagConfigLock, Bytes{0x00});
  // The first byte is the length of the rest; ykman rejects the config otherwise.
  Bytes out{static_cast<uint8_t>(tlvs.size())};
  append(out, tlvs);
  return ResponseApdu::success(std::move(out));
}

json ManagementApplet::save() const {
  return json{{"form_factor", form_factor_}};
}

Status ManagementApplet::load(const json& section) {
  if (!section.value("form_factor", json(1)).is_number_unsigned())
    return Error::make(ErrorKind::kMalformed, "mgmt.form_factor");
  const auto value = section.value("form_factor", 1u);
  if (value > 0xFF || (value & ~kFormFactorFlags) > kMaxFormFactor)
    return Error::make(ErrorKind::kMalformed, "mgmt.form_factor");
  form_factor_ = static_cast<uint8_t>(value);
  return {};
}

}  // namespace keydesk::card::mgmt
