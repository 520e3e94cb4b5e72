// The read-only guard: a decorator ApduTransport that refuses, before it leaves the host, every
// command able to change a retry counter or stored data. It is an allowlist, not a denylist: a command
// the guard does not know is refused. Read-only CLI commands and `keydesk diagnose` run only through it.
//
// The allowlist depends on the selected applet (the guard watches SELECT and its answer), because the
// same instruction byte means different things in different applets (A4 is SELECT everywhere but
// CALCULATE ALL in YKOATH with P1=00; A2 is OATH CALCULATE, which advances a HOTP counter).
//
// FIDO requests are judged by ReadOnlyCtapPolicy, both when they travel inside NFCCTAP APDUs through
// this guard and when a FIDO session sends them over HID or a CTAPHID socket (the session calls the
// same policy at its transmit hook).
#pragma once

#include <cstdint>
#include <string>

#include "transport/apdu_transport.h"

namespace keydesk::transport {

enum class GuardedApplet : uint8_t { kNone, kPiv, kOath, kAca, kManagement, kFido };

// Maps a SELECT's AID (any prefix of at least 5 bytes, as cards match it) to the applet it selects.
GuardedApplet applet_for_aid(ByteView aid);
const char* guarded_applet_name(GuardedApplet applet);

// CTAP2 requests (command byte followed by its CBOR map) that read and never spend or change:
// getInfo, clientPIN getPINRetries / getKeyAgreement / getUVRetries.
//
// One justified exception, the PIN_NOT_SET probe: getPinToken (clientPIN 0x05) and
// getPinUvAuthTokenUsingPinWithPermissions (0x09) carry a PIN and would spend a retry on a wrong one,
// EXCEPT on a device that has no PIN: there is no counter to decrement, and the device answers
// CTAP2_ERR_PIN_NOT_SET (0x35). The guard lets these through only after it has itself seen the
// device's getInfo report options.clientPin = false, and a later getInfo reporting anything else
// revokes that. Nothing the guard admits can set a PIN, so the knowledge stays true for the session.
class ReadOnlyCtapPolicy {
 public:
  // ok, or Error kRefused naming the command.
  Status admit(ByteView request) const;
  // Every response to an admitted request passes here (status byte followed by CBOR).
  void observe(ByteView request, ByteView response);
  bool pin_known_unset() const { return pin_known_unset_; }

 private:
  bool pin_known_unset_ = false;
};

class ReadOnlyGuard final : public ApduTransport {
 public:
  explicit ReadOnlyGuard(ApduTransport& inner) : inner_(inner) {}

  Result<Bytes> transmit(ByteView command) override;
  Bytes atr() const override { return inner_.atr(); }
  std::string name() const override { return inner_.name(); }
  Status begin_transaction() override { return inner_.begin_transaction(); }
  void end_transaction() override { inner_.end_transaction(); }

  GuardedApplet selected() const { return selected_; }
  uint64_t refused_count() const { return refused_; }
  const ReadOnlyCtapPolicy& ctap_policy() const { return ctap_; }

 private:
  // nullptr when allowed, else why not.
  const char* refusal(ByteView raw) const;
  void learn(ByteView command, ByteView response);

  ApduTransport& inner_;
  GuardedApplet selected_ = GuardedApplet::kNone;
  ReadOnlyCtapPolicy ctap_;
  // An NFCCTAP response split by 61xx, collected until complete so the CTAP policy sees all of it.
  Bytes pending_ctap_request_;
  Bytes pending_ctap_response_;
  uint64_t refused_ = 0;
};

}  // namespace keydesk::transport
