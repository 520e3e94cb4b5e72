#include "sim/socket_io.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/text.h"

namespace keydesk::sim {
namespace {
Error os_error(ErrorKind kind, const std::string& what) {
  return Error::make(kind, what + ": " + std::strerror(errno), static_cast<uint32_t>(errno));
}
}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

void UniqueFd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

WaitResult wait_readable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  const int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (n == 0 || (n < 0 && errno == EINTR)) return WaitResult::kTimeout;
  if (n < 0) return WaitResult::kError;
  return WaitResult::kReadable;  // includes hang-up: the next read returns 0
}

Status send_all(int fd, ByteView bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return os_error(ErrorKind::kTransport, "send");
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

Result<UniqueFd> listen_unix(const std::string& path, int type) {
  sockaddr_un addr{};
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    return Error::make(ErrorKind::kUsage, "socket path " + quoted_text(path) + " is empty or too long");
  UniqueFd fd(::socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return os_error(ErrorKind::kIo, "socket " + path);
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ::unlink(path.c_str());
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
    return os_error(ErrorKind::kIo, "bind " + path);
  if (::listen(fd.get(), 8) != 0) return os_error(ErrorKind::kIo, "listen " + path);
  return fd;
}

Result<UniqueFd> connect_tcp(const std::string& host, uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  const std::string numeric = host == "localhost" ? "127.0.0.1" : host;
  if (::inet_pton(AF_INET, numeric.c_str(), &addr.sin_addr) != 1)
    return Error::make(ErrorKind::kUsage, "not an IPv4 address: " + quoted_text(host));
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return os_error(ErrorKind::kTransport, "socket");
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
    return os_error(ErrorKind::kTransport, "connect to vpcd at " + host + ":" + std::to_string(port));
  // Each APDU is one small request/response: do not let Nagle hold replies back.
  const int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

}  // namespace keydesk::sim
