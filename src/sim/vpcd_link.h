// keydesk-sim as the card (vicc) of vsmartcard's vpcd reader driver inside pcscd: a TCP client that
// answers power/reset/ATR requests and APDUs (vsmartcard's vpcd protocol). It reconnects with a short backoff
// whenever pcscd is not there (yet, or any more), and stays away while the token is removed.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "sim/link_hold.h"
#include "sim/sim_interface.h"
#include "sim/sim_log.h"
#include "sim/socket_io.h"
#include "sim/token_slot.h"

namespace keydesk::sim {

class VpcdLink final : public SimInterface {
 public:
  VpcdLink(TokenSlot& slot, LinkHold& hold, std::string host, uint16_t port, SimLog& log)
      : slot_(slot), hold_(hold), host_(std::move(host)), port_(port), log_(log) {}
  ~VpcdLink() override { stop(); }

  Status start() override;
  void stop() override;
  std::string name() const override { return "vpcd link " + host_ + ":" + std::to_string(port_); }

 private:
  void run();
  // Serves one connection until it drops, the token leaves the reader, or stop().
  void serve(const UniqueFd& connection);
  // The reply to one vpcd message; nullopt when the message needs none. `answered`: the hold trigger the
  // reply completes (a CTAP getInfo answered by NFCCTAP), if any.
  std::optional<Bytes> answer(ByteView payload, std::optional<HoldTrigger>& answered);

  TokenSlot& slot_;
  LinkHold& hold_;
  NfcctapAnswerWatch nfcctap_;
  std::string host_;
  uint16_t port_;
  SimLog& log_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace keydesk::sim
