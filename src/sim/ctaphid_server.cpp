#include "sim/ctaphid_server.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace keydesk::sim {
namespace {
constexpr int kPollIntervalMs = 100;
constexpr int kHeldPollIntervalMs = 5;  // how soon a released connection is read again
constexpr int kMaxClients = 16;

Error os_error(const std::string& what) {
  return Error::make(ErrorKind::kTransport, what + ": " + std::strerror(errno), errno);
}
}  // namespace

CtaphidServer::CtaphidServer(card::Card& card, card::fido::Authenticator& authenticator)
    : card_(card),
      device_(
          [this, &authenticator](ByteView request) {
            Bytes response;
            const Status persisted = card_.exclusive([&] {
              authenticator.note_link(card::fido::Authenticator::Link::kHid);
              response = authenticator.handle(request);
            });
            // The Card rolled the state back: report a failure instead of a result that did not last.
            if (!persisted) response = Bytes{static_cast<uint8_t>(card::fido::CtapStatus::kOther)};
            if (answered_hook_) answered_ = std::make_pair(Bytes(request.begin(), request.end()), response);
            return response;
          },
          {card.context().identity.version[0], card.context().identity.version[1],
           card.context().identity.version[2]},
          authenticator.profile().ctaphid_capabilities,
          // CTAPHID_MSG (U2F), under the same lock and persistence as CBOR requests.
          [this, &authenticator](ByteView request) {
            Bytes response;
            const Status persisted = card_.exclusive([&] {
              authenticator.note_link(card::fido::Authenticator::Link::kHid);
              response = authenticator.handle_u2f(request);
            });
            if (!persisted) return Bytes{0x6F, 0x00};
            return response;
          }) {}

CtaphidServer::~CtaphidServer() {
  stop();
}

Status CtaphidServer::start(const std::string& socket_path) {
  sockaddr_un addr{};
  if (socket_path.size() >= sizeof(addr.sun_path))
    return Error::make(ErrorKind::kUsage, "CTAPHID socket path too long: " + socket_path);
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  listen_fd_ = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return os_error("socket");
  ::unlink(socket_path.c_str());
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 8) != 0) {
    Error e = os_error("bind " + socket_path);
    ::close(listen_fd_);
    listen_fd_ = -1;
    return e;
  }
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (wake_fd_ < 0) return os_error("eventfd");
  path_ = socket_path;
  running_ = true;
  thread_ = std::thread([this] { serve(); });
  return {};
}

void CtaphidServer::stop() {
  if (!running_.exchange(false)) return;
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof(one));
  thread_.join();
  ::close(listen_fd_);
  ::close(wake_fd_);
  ::unlink(path_.c_str());
  listen_fd_ = wake_fd_ = -1;
}

void CtaphidServer::send(int fd, const card::fido::ctaphid::Response& response) {
  for (const auto& packet : response.packets)
    if (::send(fd, packet.data(), packet.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(packet.size())) return;
}

void CtaphidServer::serve() {
  std::vector<int> clients;
  while (running_) {
    std::vector<pollfd> fds{{wake_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    std::erase_if(held_, [](const auto& entry) { return !entry.second(); });
    for (int c : clients)
      if (!held_.contains(c)) fds.push_back({c, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), held_.empty() ? kPollIntervalMs : kHeldPollIntervalMs) < 0 &&
        errno != EINTR)
      break;
    if (fds[0].revents) break;
    if ((fds[1].revents & POLLIN) && clients.size() < kMaxClients) {
      const int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) clients.push_back(c);
    }
    std::vector<int> closed;
    for (size_t i = 2; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      const int fd = fds[i].fd;
      card::fido::ctaphid::Packet packet{};
      const ssize_t n = ::recv(fd, packet.data(), packet.size(), 0);
      if (n <= 0) {
        closed.push_back(fd);
        continue;
      }
      const ByteView report(packet.data(), static_cast<size_t>(n));
      channel_owner_[read_be32(packet)] = fd;
      if (auto response = device_.receive(report, card::fido::ctaphid::CtaphidDevice::Clock::now()))
        send(fd, *response);
      if (answered_) {
        const auto exchange = std::move(*answered_);
        answered_.reset();
        if (auto still_held = answered_hook_(exchange.first, exchange.second))
          held_[fd] = std::move(still_held);
      }
    }
    if (auto timed_out = device_.expire(card::fido::ctaphid::CtaphidDevice::Clock::now())) {
      if (auto owner = channel_owner_.find(timed_out->cid); owner != channel_owner_.end())
        send(owner->second, *timed_out);
    }
    for (int fd : closed) {
      std::erase(clients, fd);
      held_.erase(fd);
      std::erase_if(channel_owner_, [fd](const auto& entry) { return entry.second == fd; });
      ::close(fd);
    }
  }
  for (int c : clients) ::close(c);
  held_.clear();
}

}  // namespace keydesk::sim
