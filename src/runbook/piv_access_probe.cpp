#include "runbook/piv_access_probe.h"

#include "host/piv/piv_session.h"
#include "protocol/piv.h"

namespace keydesk::runbook {
namespace {

constexpr uint8_t kPin = protocol::piv::kPinRef, kPuk = protocol::piv::kPukRef;

void mark_not_applicable(AccessControl& a) {
  a.xauth_initialized = false;  // PIV's management key administers keys; it cannot unblock the PIN
  a.unknown["XAUTHChallengeType"] = "PIV has no external-authentication unblock";
  a.unknown["CurrentXAUTHTryCounter"] = "PIV has no external-authentication unblock";
  a.unknown["MaxXAUTHTryCounter"] = "PIV has no external-authentication unblock";
  a.unknown["PINSharedWithFIDO"] = "PIV does not report it (a YubiKey keeps its FIDO PIN separate)";
  a.unknown["ForcePinChange"] = "PIV has no forced PIN change";
  a.min_pin_length = 6;  // SP 800-73-4 and YubiKeys: 6 to 8 bytes
  a.max_pin_length = 8;
}

bool has_metadata(const std::array<uint8_t, 3>& v) {
  return v[0] > 5 || (v[0] == 5 && v[1] >= 3);
}

// Standard PIV: the empty VERIFY answers 63Cx (x left), 9000 (verified in this session) or 6983 (blocked).
Status read_pin_status(host::piv::PivSession& piv, AccessControl& a) {
  auto status = piv.pin_status();
  if (!status) {
    if (status.error().kind != ErrorKind::kStatusWord) return status.error();
    a.unknown["CurrentPinTryCounter"] = "the token refused the status query: " + describe(status.error());
    return {};
  }
  if (status->kind == host::VerifyResult::Kind::kWrong || status->kind == host::VerifyResult::Kind::kBlocked)
    a.pin_remaining = status->kind == host::VerifyResult::Kind::kBlocked ? 0 : status->retries_left;
  else
    a.unknown["CurrentPinTryCounter"] = "the token answered " + status->sw.hex() + " to the status query";
  return {};
}

}  // namespace

Result<AccessControl> read_piv_access_control(host::ApduConnection& c) {
  host::piv::PivSession piv(c);
  if (auto selected = piv.select(); !selected) {
    if (selected.error().kind == ErrorKind::kNotSupported)
      return Error::make(ErrorKind::kNotSupported, "the token has neither the access-control applet nor PIV",
                         selected.error().code);
    return selected.error();
  }
  AccessControl a;
  mark_not_applicable(a);
  auto version = piv.version();  // a non-Yubico PIV answers 6D00: standard PIV then
  if (version && has_metadata(*version)) {
    auto pin = piv.metadata(kPin);
    if (!pin) return pin.error();
    auto puk = piv.metadata(kPuk);
    if (!puk) return puk.error();
    if (*pin) {
      a.source = "PIV metadata";
      a.pin_remaining = (*pin)->remaining;
      a.pin_max = (*pin)->max_retries;
      a.pin_is_default = (*pin)->is_default;
      if (*puk) {
        a.puk_initialized = true;  // PIV always has a PUK; a blocked one reports 0 remaining
        a.puk_remaining = (*puk)->remaining;
        a.puk_max = (*puk)->max_retries;
        a.puk_is_default = (*puk)->is_default;
      } else {
        for (const char* p : {"CurrentPinUnlockCounter", "MaxPinUnlockCounter", "PUKInitialized"})
          a.unknown[p] = "the token has no metadata for the PUK (81) and PIV cannot read it without a try";
      }
      return a;
    }
  }
  a.source = "PIV";
  KD_TRY(read_pin_status(piv, a));
  a.unknown["MaxPinTryCounter"] = "standard PIV does not report the maximum";
  for (const char* p : {"CurrentPinUnlockCounter", "MaxPinUnlockCounter", "PUKInitialized"})
    a.unknown[p] = "standard PIV cannot report the PUK counter without spending a try";
  a.unknown["PinIsDefault"] = "standard PIV cannot tell without trying the default";
  return a;
}

}  // namespace keydesk::runbook
