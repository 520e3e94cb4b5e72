// The CTAPHID socket of keydesk-sim (--ctaphid): the FIDO applet's authenticator as a USB HID stand-in,
// served by sim::CtaphidServer.
#pragma once

#include <string>

#include "card/fido/fido_applet.h"
#include "sim/ctaphid_server.h"
#include "sim/link_hold.h"
#include "sim/sim_interface.h"

namespace keydesk::sim {

class CtaphidInterface final : public SimInterface {
 public:
  CtaphidInterface(card::Card& card, card::fido::FidoApplet& applet, LinkHold& hold, std::string socket_path)
      : server_(card, applet.authenticator()), path_(std::move(socket_path)) {
    // The test seam: with a matching hold armed, nothing more is read from the connection that got the
    // answer until the hold is released; other connections (another client) are served meanwhile.
    server_.set_answered_hook([&hold](ByteView request, ByteView response) {
      return hold.hold_if_armed(SimLink::kCtaphid, trigger_of_ctap(request, response));
    });
  }

  Status start() override { return server_.start(path_); }
  void stop() override { server_.stop(); }
  std::string name() const override { return "CTAPHID socket " + path_; }

 private:
  sim::CtaphidServer server_;
  std::string path_;
};

}  // namespace keydesk::sim
