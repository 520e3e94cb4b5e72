// Small POSIX socket helpers shared by the sim's interfaces: a file descriptor that closes itself, waiting
// for input with a timeout (so loops can notice stop requests), and writing everything.
#pragma once

#include <chrono>
#include <string>
#include <utility>

#include "core/bytes.h"
#include "core/result.h"

namespace keydesk::sim {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset();

 private:
  int fd_ = -1;
};

enum class WaitResult { kReadable, kTimeout, kError };
WaitResult wait_readable(int fd, std::chrono::milliseconds timeout);

// Sends all bytes (no SIGPIPE on a peer that went away).
Status send_all(int fd, ByteView bytes);

// A listening AF_UNIX socket at `path` (a stale socket file is replaced).
Result<UniqueFd> listen_unix(const std::string& path, int type);
// A TCP connection to host:port (IPv4 dotted address or "localhost").
Result<UniqueFd> connect_tcp(const std::string& host, uint16_t port);

}  // namespace keydesk::sim
