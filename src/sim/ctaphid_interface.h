// The CTAPHID socket of keydesk-sim (--ctaphid): the FIDO applet's authenticator as a USB HID stand-in,
// served by fido::CtaphidServer.
#pragma once

#include <string>

#include "fido/ctaphid_server.h"
#include "fido/fido_applet.h"
#include "sim/sim_interface.h"

namespace keydesk::sim {

class CtaphidInterface final : public SimInterface {
 public:
  CtaphidInterface(card::Card& card, fido::FidoApplet& applet, std::string socket_path)
      : server_(card, applet.authenticator()), path_(std::move(socket_path)) {}

  Status start() override { return server_.start(path_); }
  void stop() override { server_.stop(); }
  std::string name() const override { return "CTAPHID socket " + path_; }

 private:
  fido::CtaphidServer server_;
  std::string path_;
};

}  // namespace keydesk::sim
