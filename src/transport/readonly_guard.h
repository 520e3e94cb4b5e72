// The read-only guard: a decorator ApduTransport that refuses, before it leaves the host, every
// command able to change a retry counter or stored data. It is an allowlist, not a denylist: it admits a
// command only when the protocol tables (protocol/applets.h) describe it as a read - reads stored data,
// uses no key, carries no secret either way - and refuses everything else, including what no table
// describes. Read-only CLI commands and `keydesk diagnose` run only through it.
//
// Which table applies depends on the selected applet (the guard watches SELECT and its answer), because
// the same instruction byte means different things in different applets (A4 is SELECT everywhere but
// CALCULATE ALL in YKOATH with P1=00; A2 is OATH CALCULATE, which advances a HOTP counter). Requests of
// another protocol carried in an APDU are judged by that protocol's table: CTAP 2.1 inside NFCCTAP_MSG
// by protocol/ctap.h; CTAP1/U2F messages never pass (keydesk's read-only path never speaks U2F, and
// REGISTER and AUTHENTICATE create keys and advance the signature counter).
//
// FIDO requests are judged by admit_read_only_ctap, both when they travel inside NFCCTAP APDUs through
// this guard and when a FIDO session sends them over HID or a CTAPHID socket (the session calls the
// same function at its transmit hook).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/applets.h"
#include "protocol/masking.h"
#include "transport/apdu_transport.h"

namespace keydesk::transport {

using GuardedApplet = protocol::AppletId;

// Maps a SELECT's AID (any prefix of at least 5 bytes, as cards match it) to the applet it selects.
inline GuardedApplet applet_for_aid(ByteView aid) {
  return protocol::applet_for_aid(aid);
}
inline const char* guarded_applet_name(GuardedApplet applet) {
  return protocol::applet_name(applet);
}

// CTAP2 requests (command byte followed by its CBOR map) that read and never spend or change, as
// protocol/ctap.h lists them: getInfo, clientPIN getPINRetries / getKeyAgreement / getUVRetries. ok, or
// Error kRefused naming the request.
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

  GuardedApplet selected() const { return selection_.selected(); }
  uint64_t refused_count() const { return refused_; }

 private:
  // nullopt when allowed, else why not.
  std::optional<std::string> refusal(ByteView raw) const;
  ApduTransport& inner_;
  protocol::SelectionTracker selection_;  // which applet the next command reaches
  uint64_t refused_ = 0;
};

}  // namespace keydesk::transport
