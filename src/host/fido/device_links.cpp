#include "host/fido/device_links.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace keydesk::host::fido {
namespace {
const Bytes kFidoAid{0xA0, 0x00, 0x00, 0x06, 0x47, 0x2F, 0x00, 0x01};
constexpr uint8_t kCmdInit = 0x06, kCmdCbor = 0x10, kCmdCancel = 0x11;
constexpr size_t kInitNonceSize = 8;
constexpr size_t kReportSize = 64;

// libfido2 hands open() only the path; the link object travels through this slot for the duration of
// fido_dev_open() on the calling thread.
thread_local NfcctapLink* g_opening_link = nullptr;

void* open_link(const char*) {
  return g_opening_link;
}
void close_link(void*) {}
int unused_read(void*, unsigned char*, size_t, int) {
  return -1;
}
int unused_write(void*, const unsigned char*, size_t) {
  return -1;
}

struct Socket {
  int fd;
};

void* socket_open(const char* path) {
  sockaddr_un addr{};
  const size_t n = std::strlen(path);
  if (n >= sizeof(addr.sun_path)) return nullptr;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path, n + 1);
  const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return nullptr;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return nullptr;
  }
  return new Socket{fd};
}

void socket_close(void* handle) {
  auto* s = static_cast<Socket*>(handle);
  ::close(s->fd);
  delete s;
}

int socket_read(void* handle, unsigned char* buf, size_t len, int ms) {
  auto* s = static_cast<Socket*>(handle);
  pollfd p{s->fd, POLLIN, 0};
  if (::poll(&p, 1, ms) <= 0) return -1;
  const ssize_t n = ::recv(s->fd, buf, len, 0);
  return n == static_cast<ssize_t>(kReportSize) ? static_cast<int>(n) : -1;
}

int socket_write(void* handle, const unsigned char* buf, size_t len) {
  // buf[0] is the HID report ID (0); the socket carries the bare 64-byte report.
  if (len != kReportSize + 1) return -1;
  auto* s = static_cast<Socket*>(handle);
  const ssize_t n = ::send(s->fd, buf + 1, kReportSize, MSG_NOSIGNAL);
  return n == static_cast<ssize_t>(kReportSize) ? static_cast<int>(len) : -1;
}
}  // namespace

Status NfcctapLink::select() {
  auto r = connection_.select(kFidoAid);
  if (!r) return r.error();
  if (!r->ok()) return Error::sw(r->sw.value, "SELECT FIDO applet");
  return {};
}

Status NfcctapLink::attach(fido_dev_t* dev) {
  static const fido_dev_io_t io{open_link, close_link, unused_read, unused_write};
  static const fido_dev_transport_t transport{rx, tx};
  if (fido_dev_set_io_functions(dev, &io) != FIDO_OK ||
      fido_dev_set_transport_functions(dev, &transport) != FIDO_OK)
    return Error::make(ErrorKind::kInternal, "libfido2 refused the NFCCTAP transport");
  g_opening_link = this;  // consumed by the open() that fido_dev_open() calls next
  return {};
}

int NfcctapLink::tx(fido_dev_t* dev, uint8_t cmd, const unsigned char* buf, size_t len) {
  auto* self = static_cast<NfcctapLink*>(fido_dev_io_handle(dev));
  if (!self) return -1;
  if (cmd == kCmdInit) {
    self->init_nonce_.assign(buf, buf + len);
    return static_cast<int>(len);
  }
  if (cmd == kCmdCancel) return 0;  // every exchange completes before it returns
  if (cmd != kCmdCbor) return -1;   // no CTAP1/U2F over this link
  auto r =
      self->connection_.send(iso7816::CommandApdu::make(0x80, 0x10, 0x00, 0x00, Bytes(buf, buf + len), 256));
  if (!r || !r->ok()) return -1;
  self->pending_ = std::move(r->data);
  return static_cast<int>(len);
}

int NfcctapLink::rx(fido_dev_t* dev, uint8_t cmd, unsigned char* buf, size_t cap, int) {
  auto* self = static_cast<NfcctapLink*>(fido_dev_io_handle(dev));
  if (!self) return -1;
  if (cmd == kCmdInit) {
    // nonce | CID | CTAPHID version 2 | device version 0.0.0 | capabilities CBOR + NMSG
    Bytes reply = self->init_nonce_;
    reply.resize(kInitNonceSize);
    append(reply, Bytes{0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x0C});
    if (reply.size() > cap) return -1;
    std::memcpy(buf, reply.data(), reply.size());
    return static_cast<int>(reply.size());
  }
  if (cmd != kCmdCbor || self->pending_.empty() || self->pending_.size() > cap) return -1;
  std::memcpy(buf, self->pending_.data(), self->pending_.size());
  const int n = static_cast<int>(self->pending_.size());
  self->pending_.clear();
  return n;
}

Status SocketLink::attach(fido_dev_t* dev) {
  static const fido_dev_io_t io{socket_open, socket_close, socket_read, socket_write};
  if (fido_dev_set_io_functions(dev, &io) != FIDO_OK)
    return Error::make(ErrorKind::kInternal, "libfido2 refused the socket io functions");
  return {};
}

}  // namespace keydesk::host::fido
