#include "runbook/findings.h"

#include <array>
#include <utility>

#include "core/text.h"
#include "runbook/retry_interlock.h"
#include "runbook/unblock_paths.h"

namespace keydesk::runbook {
namespace {

std::string counter_text(std::optional<int> remaining, std::optional<int> max) {
  if (!remaining) return "unknown";
  return std::to_string(*remaining) + (max ? " of " + std::to_string(*max) : "");
}

void access_findings(const AccessControl& a, std::vector<Finding>& out) {
  const UnblockPaths paths = unblock_paths(a);
  const std::string pin = "PIN retries " + counter_text(a.pin_remaining, a.pin_max) + " (" + a.source + ")";
  const std::string path_evidence = "; PUK " + std::string(path_state_name(paths.puk.state)) +
                                    ", XAUTH key " + path_state_name(paths.xauth.state);
  if (a.pin_blocked()) {
    out.push_back({"pin-blocked", Severity::kCritical, "The smart card PIN is blocked", pin + path_evidence,
                   blocked_pin_next_step(paths)});
  } else if (a.pin_remaining && a.pin_max && *a.pin_remaining == *a.pin_max) {
    out.push_back({"pin-not-locked", Severity::kInfo, "The smart card PIN is not locked: no failed attempts",
                   pin,
                   "the user is most likely typing a wrong PIN against a healthy counter; find the PIN in "
                   "the provisioning records (a default?) before any attempt"});
  } else if (a.pin_remaining && *a.pin_remaining <= attempt_floor(paths.any_available())) {
    out.push_back({"pin-low-retries", Severity::kWarning, "Few smart card PIN retries are left",
                   pin + path_evidence, low_pin_next_step(paths)});
  }
  if (a.pin_is_default == true)
    out.push_back({"pin-default", Severity::kWarning, "The smart card PIN is still the factory default",
                   a.source + " reports the PIN unchanged from its initial value (read, not tried)",
                   "have the user change it (pin-change); a default PIN is no PIN"});
  if (paths.puk.state == PathState::kAbsent)
    out.push_back({"puk-not-initialized", Severity::kWarning, "No PUK is set on this token",
                   "PUKInitialized = false",
                   "a provisioning gap: set one with puk-put and record it against the CUID, so a lockout "
                   "is not a reprovision"});
  else if (paths.puk.state == PathState::kBlocked)
    out.push_back({"puk-blocked", Severity::kCritical, "The PUK is blocked",
                   "PUK retries " + counter_text(a.puk_remaining, a.puk_max) + "; XAUTH key " +
                       path_state_name(paths.xauth.state),
                   blocked_puk_next_step(paths)});
  if (a.force_pin_change == true)
    out.push_back({"force-pin-change-pending", Severity::kInfo, "The token requires a PIN change before use",
                   "ForcePinChange = true (PIN-protected operations answer 6985 until changed)",
                   "change the PIN with pin-change; the old PIN still verifies"});
  if (paths.xauth.state == PathState::kAvailable)
    out.push_back(
        {"xauth-unblock-available", Severity::kInfo, "An external-authentication (XAUTH) key is configured",
         "XAUTHKeysInitializedStatus = true, challenge type " + a.xauth_challenge_type.value_or("unknown") +
             ", XAUTH tries " + counter_text(a.xauth_remaining, a.xauth_max),
         "if the PIN ever blocks, the help desk can unblock it by challenge-response without data "
         "loss"});
  else if (paths.xauth.state == PathState::kBlocked)
    out.push_back(
        {"xauth-blocked", Severity::kWarning, "The XAUTH admin key is blocked",
         "XAUTH tries " + counter_text(a.xauth_remaining, a.xauth_max),
         "the help desk's challenge-response can no longer unblock this token's PIN; only a factory "
         "re-initialization recovers the XAUTH key (docs/aca-protocol.md, EXTERNAL AUTHENTICATE)"});
}

void oath_findings(const OathState& oath, std::vector<Finding>& out) {
  for (const auto& c : oath.credentials) {
    if (c.type == "HOTP" && c.counter && *c.counter >= kSuspiciousHotpCounter)
      out.push_back({"hotp-counter-suspicious", Severity::kWarning,
                     "HOTP counter of " + quoted_text(c.name) + " is implausibly high",
                     "counter " + std::to_string(*c.counter) + " (nobody taps that often)",
                     "a seeded or misread value: compare with the validation server's counter and resync "
                     "there; this is not a lockout"});
  }
}

void fido_findings(const FidoState& f, std::vector<Finding>& out) {
  if (f.link_failure) return;  // a failed probe (diagnose lists it), not a property of the token
  if (!f.reachable) {
    out.push_back({"fido-unreachable", Severity::kWarning, "The FIDO applet could not be reached",
                   f.unreachable_reason,
                   "FIDO needs its own interface (USB HID): plug the key in directly (not through a hub "
                   "that exposes only CCID) and make /dev/hidraw* readable (udev rule, or run elevated)"});
    return;
  }
  const auto client_pin = f.client_pin();
  if (client_pin == false) {
    // What getInfo said when it was read: nothing read-only can confirm it later without a PIN attempt,
    // and another client may set a PIN at any moment (the counter check at the end says so if one did).
    out.push_back(
        {"fido-pin-not-set", Severity::kInfo, "No FIDO PIN is set",
         "getInfo options.clientPin = false when read",
         "nothing FIDO is locked; FIDO is unused or uses touch only. A FIDO PIN is separate from the "
         "smart card PIN"});
  } else if (f.pin_retries == 0) {
    out.push_back({"fido-pin-blocked", Severity::kCritical, "The FIDO PIN is blocked (no retries left)",
                   "getPINRetries = 0 (CTAP2_ERR_PIN_BLOCKED, 0x32)",
                   "FIDO has no PUK: fido-token-reset wipes every passkey and is the only way back"});
  } else if (f.power_cycle_required == true) {
    out.push_back({"fido-pin-auth-blocked", Severity::kWarning,
                   "Three wrong FIDO PINs in a row: attempts paused until the key is re-inserted",
                   "getPINRetries powerCycleState = true, " + std::to_string(f.pin_retries.value_or(-1)) +
                       " retries left (CTAP2_ERR_PIN_AUTH_BLOCKED, 0x34 - not a lockout)",
                   "unplug and re-insert the key; the retries are kept"});
  }
  // Without a FIDO PIN the credential list cannot be read (credential management needs a PIN token), but
  // every passkey a relying party registered with user verification needs that PIN: none of those exist.
  // Touch-only discoverable credentials may, so the evidence says what was and was not seen.
  if (client_pin == false)
    out.push_back({"fido-no-credentials", Severity::kInfo, "No passkeys that need a FIDO PIN are on the key",
                   "no FIDO PIN is set, so nothing was registered with user verification" +
                       (f.remaining_discoverable_credentials
                            ? "; " + std::to_string(*f.remaining_discoverable_credentials) +
                                  " discoverable-credential slots free (the list itself needs a PIN to read)"
                            : std::string()),
                   "if the user means a passkey with a PIN, it was never registered on this key"});
}

// The SmartCard-HSM (docs/hsm.md). Its SO-PIN has 15 tries, cannot be unblocked, and the device has no
// factory reset: the findings say what each counter means for the way back.
constexpr const char* kHsmSoPinFormat =
    "the SO-PIN is 8 bytes entered as 16 hexadecimal digits (the documented default 3537363231383830 is the "
    "text 57621880); keydesk checks the format before any try is spent";
constexpr const char* kHsmFirmwarePath =
    "there is no factory reset and a blocked SO-PIN cannot be unblocked: the only way back is the vendor's "
    "firmware update (CardContact's PKI-as-a-Service portal, logged in with another working device), which "
    "deletes every key and gives the device a new identity (new device certificate and serial) - register "
    "the new identity wherever the old one was";

void hsm_findings(const HsmState& h, std::vector<Finding>& out) {
  const std::string so = h.so_remaining ? std::to_string(*h.so_remaining) + " of " + std::to_string(h.so_max)
                                        : std::string("unknown");
  const std::string id = h.device_id.empty() ? std::string() : " (device " + h.device_id + ")";
  if (!h.initialized) {
    out.push_back({"hsm-not-initialized", Severity::kInfo, "The SmartCard-HSM was never initialised" + id,
                   "VERIFY of the SO-PIN (88) answered 6A88: no SO-PIN is set; version " + h.version,
                   "hsm-init sets the SO-PIN and the user PIN; record the SO-PIN first (hsm-init --store): " +
                       std::string(kHsmSoPinFormat)});
    return;
  }
  const bool so_blocked = h.so_remaining == 0;
  const bool rrc = h.reset_with_so_pin_enabled();
  const std::string path = so_blocked ? "SO-PIN blocked"
                           : rrc      ? "user PIN reset with the SO-PIN enabled (option 0001)"
                                      : "user PIN reset with the SO-PIN NOT enabled at initialisation";
  if (so_blocked) {
    out.push_back({"hsm-so-pin-blocked", Severity::kCritical, "The SmartCard-HSM's SO-PIN is blocked" + id,
                   "SO-PIN tries " + so + " (VERIFY 88 answered 6983 or 63C0)",
                   std::string(kHsmFirmwarePath) +
                       ". Until then, keys stay usable with the user PIN: replace what depends on them"});
  } else if (h.so_remaining && *h.so_remaining < h.so_max) {
    const bool few = *h.so_remaining <= attempt_floor(false);
    out.push_back(
        {"hsm-so-pin-low", few ? Severity::kCritical : Severity::kWarning,
         "SmartCard-HSM SO-PIN tries have been spent" + id,
         "SO-PIN tries " + so +
             "; each refused re-initialisation, user PIN reset or SO-PIN change spends one, and only "
             "a correct SO-PIN restores them",
         "stop trying SO-PINs by guesswork; find the SO-PIN in the records. Failed tries are "
         "usually a format mistake: " +
             std::string(kHsmSoPinFormat) + ". If the SO-PIN is lost, " + kHsmFirmwarePath});
  }
  if (h.user_transport_pin)
    out.push_back({"hsm-transport-pin", Severity::kWarning, "The SmartCard-HSM's user PIN is a transport PIN",
                   "VERIFY of the user PIN (81) answered 6984: option 0002, the PIN must be changed first",
                   "the user changes the transport PIN to a PIN of their own (CHANGE REFERENCE DATA, e.g. "
                   "pkcs11-tool --change-pin) before the keys can be used"});
  const std::string user = h.user_remaining ? std::to_string(*h.user_remaining) : std::string("unknown");
  if (h.user_remaining == 0) {
    out.push_back({"hsm-user-pin-blocked", Severity::kCritical,
                   "The SmartCard-HSM's user PIN is blocked" + id, "user PIN tries 0; " + path,
                   so_blocked ? std::string("no way back keeps the keys: ") + kHsmFirmwarePath
                   : rrc ? std::string("hsm-pin-unblock: RESET RETRY COUNTER with the SO-PIN sets a new user "
                                       "PIN and keeps every key (one SO-PIN attempt, SO-PIN tries ") +
                               so + ")"
                         : std::string("this device cannot reset the user PIN with the SO-PIN: the only way "
                                       "back is re-initialisation with the SO-PIN (hsm-init), which deletes "
                                       "every key")});
  } else if (h.user_remaining && *h.user_remaining <= attempt_floor(rrc && !so_blocked)) {
    out.push_back({"hsm-user-pin-low", Severity::kWarning, "Few SmartCard-HSM user PIN tries are left" + id,
                   "user PIN tries " + user + "; " + path,
                   rrc && !so_blocked
                       ? "find the right PIN before another attempt; if it blocks, hsm-pin-unblock with the "
                         "SO-PIN resets it without data loss"
                       : "find the right PIN before another attempt: if it blocks, no reset keeps the keys"});
  }
}

}  // namespace

std::optional<Symptom> parse_symptom(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, Symptom>, 5> kNames{
      {{"unknown", Symptom::kUnknown},
       {"windows-logon", Symptom::kWindowsLogon},
       {"vpn", Symptom::kVpn},
       {"otp", Symptom::kOtp},
       {"passkey", Symptom::kPasskey}}};
  for (const auto& [name, symptom] : kNames)
    if (name == text) return symptom;
  return std::nullopt;
}

const char* symptom_name(Symptom s) {
  switch (s) {
    case Symptom::kUnknown:
      return "unknown";
    case Symptom::kWindowsLogon:
      return "windows-logon";
    case Symptom::kVpn:
      return "vpn";
    case Symptom::kOtp:
      return "otp";
    case Symptom::kPasskey:
      return "passkey";
  }
  return "unknown";
}

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kCritical:
      return "critical";
  }
  return "info";
}

std::vector<Finding> find_issues(const TokenSnapshot& s) {
  std::vector<Finding> out;
  if (s.tokens_present > 1)
    out.push_back({"several-tokens", Severity::kWarning, "Several tokens are connected",
                   std::to_string(s.tokens_present) + " tokens found; this diagnosis is of index " +
                       std::to_string(s.identity.index) + " (" + s.identity.reader + ")",
                   "make sure this is the user's key (compare the CUID), or pass -t INDEX"});
  if (s.access) access_findings(*s.access, out);
  if (s.oath) oath_findings(*s.oath, out);
  // A SmartCard-HSM has no FIDO interface: an unreachable FIDO applet is not a finding there.
  if (s.fido && !(s.hsm && !s.fido->reachable)) fido_findings(*s.fido, out);
  if (s.hsm) hsm_findings(*s.hsm, out);
  return out;
}

PinPointer pin_for_symptom(Symptom symptom, const TokenSnapshot& s) {
  const bool shared = s.access && s.access->pin_shared_with_fido == true;
  switch (symptom) {
    case Symptom::kWindowsLogon:
      return {"smart card PIN (ACA/PIV)", "Windows logon uses the PIV certificate, unlocked by the card PIN"};
    case Symptom::kVpn:
      return {"smart card PIN (ACA/PIV), or the XAUTH external authentication",
              "VPN clients use the PIV certificate; some use external authentication instead"};
    case Symptom::kOtp:
      return {"none: an OTP rejection is a counter or clock problem, not a PIN",
              "HOTP codes depend on the counter the server expects; TOTP on the clock"};
    case Symptom::kPasskey:
      return {shared ? "FIDO PIN (shared with the smart card PIN on this token)" : "FIDO PIN",
              "passkeys are unlocked by the FIDO applet's own PIN, independent of the smart card PIN"};
    case Symptom::kUnknown:
      break;
  }
  return {
      "ask what the user was trying to do",
      "smart card logon/VPN -> smart card PIN; passkey sign-in -> FIDO PIN; rejected OTP code -> no PIN at "
      "all"};
}

}  // namespace keydesk::runbook
