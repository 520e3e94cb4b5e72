#include "runbook/piv_access_probe.h"

#include "iso7816/tlv.h"

namespace keydesk::runbook {
namespace {

using iso7816::CommandApdu;

const Bytes kPivAid{0xA0, 0x00, 0x00, 0x03, 0x08};
constexpr uint8_t kPin = 0x80, kPuk = 0x81;

struct Metadata {
  int max = 0, remaining = 0;
  bool is_default = false;
};

// GET METADATA for the PIN or PUK: tag 05 default flag, tag 06 [total, remaining].
Result<Metadata> read_metadata(host::ApduConnection& c, uint8_t reference) {
  auto data = c.send_ok(CommandApdu::make(0x00, 0xF7, 0x00, reference, {}, 256), "PIV GET METADATA");
  if (!data) return data.error();
  auto tlvs = iso7816::parse_tlvs(*data);
  if (!tlvs) return tlvs.error();
  Metadata m;
  for (const auto& t : *tlvs) {
    if (t.tag == 0x05 && t.value.size() == 1) m.is_default = t.value[0] == 0x01;
    if (t.tag == 0x06 && t.value.size() == 2) {
      m.max = t.value[0];
      m.remaining = t.value[1];
    }
  }
  return m;
}

void mark_not_applicable(AccessControl& a) {
  a.xauth_initialized = false;  // PIV's management key administers keys; it cannot unblock the PIN
  a.unknown["XAUTHChallengeType"] = "PIV has no external-authentication unblock";
  a.unknown["PINSharedWithFIDO"] = "PIV does not report it (a YubiKey keeps its FIDO PIN separate)";
  a.unknown["ForcePinChange"] = "PIV has no forced PIN change";
  a.min_pin_length = 6;  // SP 800-73-4 and YubiKeys: 6 to 8 bytes
  a.max_pin_length = 8;
}

}  // namespace

Result<AccessControl> read_piv_access_control(host::ApduConnection& c) {
  auto selected = c.select(kPivAid);
  if (!selected) return selected.error();
  if (!selected->sw.ok())
    return Error::make(ErrorKind::kNotSupported, "the token has neither the access-control applet nor PIV",
                       selected->sw.value);
  AccessControl a;
  mark_not_applicable(a);
  auto version = c.send_ok(CommandApdu::make(0x00, 0xFD, 0x00, 0x00, {}, 256), "PIV GET VERSION");
  const bool has_metadata =
      version && version->size() == 3 && ((*version)[0] > 5 || ((*version)[0] == 5 && (*version)[1] >= 3));
  if (has_metadata) {
    a.source = "PIV metadata";
    auto pin = read_metadata(c, kPin);
    if (!pin) return pin.error();
    a.pin_remaining = pin->remaining;
    a.pin_max = pin->max;
    a.pin_is_default = pin->is_default;
    auto puk = read_metadata(c, kPuk);
    if (!puk) return puk.error();
    a.puk_initialized = true;  // PIV always has a PUK; a blocked one reports 0 remaining
    a.puk_remaining = puk->remaining;
    a.puk_max = puk->max;
    a.puk_is_default = puk->is_default;
    return a;
  }
  // Standard PIV: the empty VERIFY answers 63Cx (x left), 9000 (verified in this session) or 6983 (blocked).
  a.source = "PIV";
  auto status = c.send(CommandApdu::make(0x00, 0x20, 0x00, kPin));
  if (!status) return status.error();
  if (status->sw.is_retry_counter())
    a.pin_remaining = status->sw.retries();
  else if (status->sw == iso7816::sw::kAuthBlocked)
    a.pin_remaining = 0;
  else
    a.unknown["CurrentPinTryCounter"] = "the token answered " + status->sw.hex() + " to the status query";
  a.unknown["MaxPinTryCounter"] = "standard PIV does not report the maximum";
  for (const char* p : {"CurrentPinUnlockCounter", "MaxPinUnlockCounter", "PUKInitialized"})
    a.unknown[p] = "standard PIV cannot report the PUK counter without spending a try";
  a.unknown["PinIsDefault"] = "standard PIV cannot tell without trying the default";
  return a;
}

}  // namespace keydesk::runbook
