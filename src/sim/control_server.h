// The control channel: a UNIX stream socket where tests and scripts say `remove`, `insert`,
// `power-cycle`, `presence grant|deny`, `status` or the hold seam's `hold-after`, `wait-held` and
// `release`, one command per line (docs/keydesk-sim.md).
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "sim/link_hold.h"
#include "sim/sim_interface.h"
#include "sim/sim_log.h"
#include "sim/socket_io.h"
#include "sim/token_slot.h"

namespace keydesk::sim {

class ControlServer final : public SimInterface {
 public:
  ControlServer(TokenSlot& slot, LinkHold& hold, std::string socket_path, SimLog& log)
      : slot_(slot), hold_(hold), path_(std::move(socket_path)), log_(log) {}
  ~ControlServer() override { stop(); }

  Status start() override;
  void stop() override;
  std::string name() const override { return "control channel " + path_; }

 private:
  void run();
  void serve_client(const UniqueFd& client);
  // Executes one line and returns the reply line (without the newline).
  std::string execute(std::string_view line);

  TokenSlot& slot_;
  LinkHold& hold_;
  std::string path_;
  SimLog& log_;
  UniqueFd listener_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace keydesk::sim
