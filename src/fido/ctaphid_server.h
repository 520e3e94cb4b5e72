// keydesk-sim's USB HID stand-in: CTAPHID reports over an AF_UNIX SOCK_SEQPACKET socket (one 64-byte
// report per datagram, no report ID), served by a background thread. Requests reach the same
// Authenticator as the NFCCTAP applet, under Card::exclusive, so both paths are serialized and every
// state change is persisted before the response leaves.
#pragma once

#include <atomic>
#include <map>
#include <string>
#include <thread>

#include "card/card.h"
#include "core/result.h"
#include "fido/authenticator.h"
#include "fido/ctaphid.h"

namespace keydesk::fido {

class CtaphidServer {
 public:
  CtaphidServer(card::Card& card, Authenticator& authenticator);
  ~CtaphidServer();
  CtaphidServer(const CtaphidServer&) = delete;
  CtaphidServer& operator=(const CtaphidServer&) = delete;

  // Binds `socket_path` (replacing a stale socket file) and starts serving.
  Status start(const std::string& socket_path);
  void stop();

 private:
  void serve();
  void send(int fd, const ctaphid::Response& response);

  card::Card& card_;
  ctaphid::CtaphidDevice device_;
  std::string path_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;                       // eventfd that interrupts poll() on stop()
  std::map<uint32_t, int> channel_owner_;  // where a channel's late errors (timeouts) go
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace keydesk::fido
