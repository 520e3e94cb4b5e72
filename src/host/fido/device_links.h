// The two ways keydesk reaches a FIDO authenticator that libfido2 1.12 cannot reach by itself:
//  - NfcctapLink: CTAP messages as NFCCTAP_MSG APDUs over any ApduTransport (PC/SC readers, the
//    simulated token), through fido_dev_set_transport_functions — Debian's libfido2 has no PC/SC.
//  - SocketLink: CTAPHID reports over keydesk-sim's SOCK_SEQPACKET socket, through
//    fido_dev_set_io_functions (libfido2 writes 65 bytes with a report ID, reads 64).
#pragma once

#include <fido.h>

#include <string>

#include "host/apdu_connection.h"

namespace keydesk::host::fido {

class NfcctapLink {
 public:
  explicit NfcctapLink(transport::ApduTransport& transport) : connection_(transport) {}
  // SELECT of the FIDO applet; a token without one answers 6A82.
  Status select();
  // Installs the callbacks on `dev`; the link must outlive the device's open state.
  Status attach(fido_dev_t* dev);

 private:
  static int tx(fido_dev_t* dev, uint8_t cmd, const unsigned char* buf, size_t len);
  static int rx(fido_dev_t* dev, uint8_t cmd, unsigned char* buf, size_t cap, int ms);

  ApduConnection connection_;
  Bytes init_nonce_;
  Bytes pending_;  // CTAP response waiting for rx()
};

class SocketLink {
 public:
  // Installs the io callbacks; fido_dev_open(dev, path) then connects to the socket at `path`.
  static Status attach(fido_dev_t* dev);
};

}  // namespace keydesk::host::fido
