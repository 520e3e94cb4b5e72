// How keydesk reaches a FIDO authenticator through libfido2 1.12, with every CTAP request seen by a
// CtapTap (the session's CtapHook) before it leaves the host:
//  - NfcctapLink: CTAP messages as NFCCTAP_MSG APDUs over any ApduTransport (PC/SC readers, the
//    simulated token), through fido_dev_set_transport_functions — Debian's libfido2 has no PC/SC.
//  - ReportLink: CTAPHID reports through fido_dev_set_io_functions (libfido2 writes 65 bytes with a
//    report ID, reads 64), over keydesk-sim's SOCK_SEQPACKET socket or a Linux hidraw node. The CBOR
//    message is held back until its last report is written, so a refused request sends nothing.
#pragma once

#include <fido.h>

#include <optional>
#include <string>

#include "host/apdu_connection.h"
#include "host/fido/fido_session.h"

namespace keydesk::host::fido {

// One session's view of its CTAP traffic: the user's hook, a refusal waiting to be reported, the last
// getInfo response (while nothing else was sent since) and the last getPINRetries powerCycleState.
class CtapTap {
 public:
  explicit CtapTap(CtapHook hook) : hook_(std::move(hook)) {}
  // false when the hook refused `request` (the reason waits in take_refusal()).
  bool admit(ByteView request);
  void observe(ByteView response);
  std::optional<Error> take_refusal();
  // The link failed underneath libfido2 (a card link's kTimeout or kTokenRemoved, a CTAPHID read that
  // timed out): kept so the session reports that instead of libfido2's generic FIDO_ERR_TX/RX.
  void note_link_failure(Error error) { link_failure_ = std::move(error); }
  std::optional<Error> take_link_failure() {
    auto e = std::move(link_failure_);
    link_failure_.reset();
    return e;
  }

  // getInfo's CBOR (without the status byte) when the last exchange was a successful getInfo.
  const std::optional<Bytes>& last_info() const { return last_info_; }
  std::optional<bool> power_cycle_state() const { return power_cycle_state_; }

 private:
  CtapHook hook_;
  Bytes request_;
  std::optional<Error> refusal_;
  std::optional<Error> link_failure_;
  std::optional<Bytes> last_info_;
  std::optional<bool> power_cycle_state_;
};

class NfcctapLink {
 public:
  NfcctapLink(transport::ApduTransport& transport, CtapTap& tap) : connection_(transport), tap_(tap) {}
  // SELECT of the FIDO applet; a token without one answers 6A82.
  Status select();
  // Installs the callbacks on `dev`; the link must outlive the device's open state.
  Status attach(fido_dev_t* dev);

 private:
  static int tx(fido_dev_t* dev, uint8_t cmd, const unsigned char* buf, size_t len);
  static int rx(fido_dev_t* dev, uint8_t cmd, unsigned char* buf, size_t cap, int ms);

  ApduConnection connection_;
  CtapTap& tap_;
  Bytes init_nonce_;
  Bytes pending_;  // CTAP response waiting for rx()
};

class ReportLink {
 public:
  enum class Kind { kSocket, kHidraw };
  // Installs the io callbacks; fido_dev_open(dev, path) then opens the socket or hidraw node at
  // `path`. `tap` must outlive the device's open state.
  static Status attach(fido_dev_t* dev, Kind kind, CtapTap& tap);
};

}  // namespace keydesk::host::fido
