// The read-only guard: a decorator ApduTransport that refuses, before it leaves the host, every
// command able to change a retry counter or stored data. It is an allowlist, not a denylist: a command
// the guard does not know is refused. Read-only CLI commands and `keydesk diagnose` run only through it.
//
// The allowlist depends on the selected applet (the guard watches SELECT and its answer), because the
// same instruction byte means different things in different applets (A4 is SELECT everywhere but
// CALCULATE ALL in YKOATH with P1=00; A2 is OATH CALCULATE, which advances a HOTP counter).
//
// FIDO requests are judged by admit_read_only_ctap, both when they travel inside NFCCTAP APDUs through
// this guard and when a FIDO session sends them over HID or a CTAPHID socket (the session calls the
// same function at its transmit hook).
#pragma once

#include <cstdint>
#include <string>

#include "transport/apdu_transport.h"

namespace keydesk::transport {

enum class GuardedApplet : uint8_t { kNone, kPiv, kOath, kAca, kManagement, kFido, kScHsm };

// Maps a SELECT's AID (any prefix of at least 5 bytes, as cards match it) to the applet it selects.
GuardedApplet applet_for_aid(ByteView aid);
const char* guarded_applet_name(GuardedApplet applet);

// CTAP2 requests (command byte followed by its CBOR map) that read and never spend or change:
// getInfo, clientPIN getPINRetries / getKeyAgreement / getUVRetries. ok, or Error kRefused naming the
// command.
//
// Nothing that carries a PIN is admitted, whatever the authenticator said before: getPinToken (clientPIN
// 0x05) and getPinUvAuthTokenUsingPinWithPermissions (0x09) spend a retry on a wrong PIN whenever a PIN
// exists. A getInfo reporting options.clientPin = false does not make them safe: another client may set
// a PIN between that answer and the next request (a browser on the USB HID interface while keydesk
// reads over CCID or NFC), and CTAP 2.1 has no request that acts only if no PIN is set, nor a lock that
// spans interfaces (CTAPHID_LOCK holds one HID channel; a PC/SC transaction does not cover HID). So the
// rule is a pure function of the request: nothing the token answers can widen it.
Status admit_read_only_ctap(ByteView request);

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

 private:
  // nullptr when allowed, else why not.
  const char* refusal(ByteView raw) const;
  // Follows SELECT and its answer: which applet the next command reaches.
  void learn(ByteView command, ByteView response);

  ApduTransport& inner_;
  GuardedApplet selected_ = GuardedApplet::kNone;
  uint64_t refused_ = 0;
};

}  // namespace keydesk::transport
