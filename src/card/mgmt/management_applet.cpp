#include "card/mgmt/management_applet.h"

#include <array>
#include <string>

#include "iso7816/tlv.h"

namespace keydesk::card::mgmt {
namespace sw = iso7816::sw;

namespace {
constexpr std::array<uint8_t, 8> kManagementAid = {0xA0, 0x00, 0x00, 0x05, 0x27, 0x47, 0x11, 0x17};
constexpr uint8_t kReadConfig = 0x1D;

// Capability bits (C.10): what keydesk-sim implements.
constexpr uint16_t kCapPiv = 0x0010;
constexpr uint16_t kCapOath = 0x0020;
constexpr uint16_t kCapFido2 = 0x0200;
constexpr uint16_t kCapabilities = kCapPiv | kCapOath | kCapFido2;

enum ConfigTag : uint32_t {
  kTagUsbSupported = 0x01,
  kTagSerial = 0x02,
  kTagUsbEnabled = 0x03,
  kTagFormFactor = 0x04,
  kTagVersion = 0x05,
  kTagAutoEjectTimeout = 0x06,
  kTagChallengeResponseTimeout = 0x07,
  kTagDeviceFlags = 0x08,
  kTagConfigLock = 0x0A,
};

constexpr uint8_t kMaxFormFactor = 0x05;    // USB-C Bio keychain is the last defined value
constexpr uint8_t kFormFactorFlags = 0xC0;  // FIPS 0x80, SKY 0x40
}  // namespace

ByteView ManagementApplet::aid() const {
  return kManagementAid;
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
  if (cmd.ins != kReadConfig) return ResponseApdu::status(sw::kInsNotSupported);
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
