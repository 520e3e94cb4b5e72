// keydesk-sim's USB HID stand-in: CTAPHID reports over an AF_UNIX SOCK_SEQPACKET socket (one 64-byte
// report per datagram, no report ID), served by a background thread. Requests reach the same
// Authenticator as the NFCCTAP applet, under Card::exclusive, so both paths are serialized and every
// state change is persisted before the response leaves.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "card/card.h"
#include "card/fido/authenticator.h"
#include "card/fido/ctaphid.h"
#include "core/result.h"

namespace keydesk::sim {

class CtaphidServer {
 public:
  CtaphidServer(card::Card& card, card::fido::Authenticator& authenticator);
  ~CtaphidServer();
  CtaphidServer(const CtaphidServer&) = delete;
  CtaphidServer& operator=(const CtaphidServer&) = delete;

  // Called on the serving thread after the answer to a CTAPHID_CBOR request has been sent, with the
  // request (command byte + CBOR) and the answer (status byte + CBOR). When it returns a function, no
  // further report is read from that client connection while the function returns true; the other
  // connections are served meanwhile. keydesk-sim's hold seam (sim/link_hold.h) uses it. Set before start().
  using StillHeld = std::function<bool()>;
  using AnsweredHook = std::function<StillHeld(ByteView request, ByteView response)>;
  void set_answered_hook(AnsweredHook hook) { answered_hook_ = std::move(hook); }

  // Binds `socket_path` (replacing a stale socket file) and starts serving.
  Status start(const std::string& socket_path);
  void stop();

 private:
  void serve();
  void send(int fd, const card::fido::ctaphid::Response& response);

  card::Card& card_;
  card::fido::ctaphid::CtaphidDevice device_;
  std::string path_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;                       // eventfd that interrupts poll() on stop()
  std::map<uint32_t, int> channel_owner_;  // where a channel's late errors (timeouts) go
  AnsweredHook answered_hook_;
  std::map<int, StillHeld> held_;  // client connections not read from for now
  // The CBOR exchange the last receive() completed, for answered_hook_ (serving thread only).
  std::optional<std::pair<Bytes, Bytes>> answered_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace keydesk::sim
