#include "sim/vpcd_link.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>

#include "sim/vpcd_codec.h"

namespace keydesk::sim {
namespace {
using namespace std::chrono_literals;
// How often blocking waits look at stop requests and removals.
constexpr auto kPollInterval = 50ms;
constexpr auto kFirstBackoff = 50ms;
constexpr auto kMaxBackoff = 500ms;
}  // namespace

Status VpcdLink::start() {
  running_ = true;
  thread_ = std::thread([this] { run(); });
  return {};
}

void VpcdLink::stop() {
  running_ = false;
  if (thread_.joinable()) thread_.join();
}

void VpcdLink::run() {
  auto backoff = kFirstBackoff;
  bool reported_waiting = false;
  while (running_) {
    if (!slot_.inserted()) {
      slot_.wait_until_inserted(kPollInterval);
      continue;
    }
    auto connection = connect_tcp(host_, port_);
    if (!connection) {
      if (!reported_waiting) log_.event("waiting for vpcd: " + describe(connection.error()));
      reported_waiting = true;
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::duration_cast<std::chrono::milliseconds>(kMaxBackoff));
      continue;
    }
    backoff = kFirstBackoff;
    reported_waiting = false;
    log_.event("connected to vpcd at " + host_ + ":" + std::to_string(port_));
    serve(*connection);
    log_.event("disconnected from vpcd");
  }
}

void VpcdLink::serve(const UniqueFd& connection) {
  const uint64_t generation = slot_.generation();
  VpcdFrameReader reader;
  uint8_t buffer[4096];
  while (running_ && slot_.generation() == generation) {
    const WaitResult w = wait_readable(connection.get(), kPollInterval);
    if (w == WaitResult::kTimeout) continue;
    if (w == WaitResult::kError) return;
    const ssize_t n = ::recv(connection.get(), buffer, sizeof buffer, 0);
    if (n <= 0) return;  // pcscd went away (restart) or reset the connection
    // vpcd writes the length and the APDU in two sends; with delayed ACKs on our side its Nagle holds the
    // second one back for 40 ms. Quick ACK mode is not sticky, so it is renewed after every read.
    const int one = 1;
    ::setsockopt(connection.get(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    reader.feed(ByteView(buffer, static_cast<size_t>(n)));
    while (auto payload = reader.next()) {
      if (slot_.generation() != generation) return;  // removed meanwhile: answer nothing more
      std::optional<HoldTrigger> answered;
      const std::optional<Bytes> reply = answer(*payload, answered);
      if (slot_.generation() != generation) return;  // removed while the answer was held
      if (!reply) continue;
      auto framed = frame_vpcd_message(*reply);
      if (!framed || !send_all(connection.get(), *framed)) return;
      // The test seam: with a matching hold armed, nothing more is read from pcscd until it is released.
      hold_.after_answer(SimLink::kPcsc, answered);
    }
  }
}

std::optional<Bytes> VpcdLink::answer(ByteView payload, std::optional<HoldTrigger>& answered) {
  card::Card& card = slot_.card();
  VpcdRequest request = classify_vpcd_payload(payload);
  // A frozen token answers nothing (not even the ATR request of pcscd's presence poll) until it is
  // thawed; removed meanwhile, what was held is dropped.
  if (!card.await_unfrozen(request.kind == VpcdRequestKind::kApdu)) return std::nullopt;
  switch (request.kind) {
    case VpcdRequestKind::kPowerOff:
    case VpcdRequestKind::kPowerOn:
    case VpcdRequestKind::kReset:
      card.reset_contact_interface();
      nfcctap_ = {};
      return std::nullopt;
    case VpcdRequestKind::kGetAtr:
      return card.atr();
    case VpcdRequestKind::kApdu: {
      // Card::transmit answers anything that is not an APDU with 6700. Its state is on disk before
      // this returns, so the reply below never acknowledges a change a kill -9 could lose.
      Bytes response = card.transmit(request.apdu);
      log_.apdu(request.apdu, response);
      answered = nfcctap_.completed(request.apdu, response);
      return response;
    }
    case VpcdRequestKind::kUnknown:
      log_.event("ignored an unknown vpcd control message");
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace keydesk::sim
