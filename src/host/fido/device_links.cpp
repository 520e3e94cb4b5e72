#include "host/fido/device_links.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "cbor/cbor.h"
#include "protocol/ctap.h"
#include "protocol/ctaphid.h"

namespace keydesk::host::fido {
namespace {
namespace hid = protocol::ctaphid;
namespace nfcctap = protocol::ctap::nfcctap;
using protocol::ctap::Command;
constexpr uint8_t kCmdInit = hid::kInit, kCmdCbor = hid::kCbor, kCmdCancel = hid::kCancel;
constexpr size_t kReportSize = hid::kPacketSize;

// libfido2 hands open() only the path; the link object travels through these slots for the duration of
// fido_dev_open() on the calling thread.
thread_local NfcctapLink* g_opening_link = nullptr;
thread_local CtapTap* g_opening_tap = nullptr;
thread_local ReportLink::Kind g_opening_kind = ReportLink::Kind::kSocket;

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

// Feeds one report to `message`; true when it completed a message of command `wanted` (an init packet of
// another command ends the one in progress).
bool collect(hid::Message& message, const unsigned char* report, uint8_t wanted) {
  const ByteView r(report, kReportSize);
  if (!hid::is_init(r)) return message.add(r) == hid::Message::Step::kComplete;
  if (hid::command_of(r) != wanted) {
    message.reset();
    return false;
  }
  return message.start(r) == hid::Message::Step::kComplete;
}

struct ReportIo {
  int fd;
  ReportLink::Kind kind;
  CtapTap* tap;
  hid::Message request;
  Bytes held;  // the reports of a CBOR request, written once it is complete and admitted
  hid::Message response;
};

void* report_open(const char* path) {
  int fd = -1;
  if (g_opening_kind == ReportLink::Kind::kHidraw) {
    fd = ::open(path, O_RDWR | O_CLOEXEC);
  } else {
    sockaddr_un addr{};
    const size_t n = std::strlen(path);
    if (n >= sizeof(addr.sun_path)) return nullptr;
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path, n + 1);
    fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  if (fd < 0 || !g_opening_tap) {
    if (fd >= 0) ::close(fd);
    return nullptr;
  }
  return new ReportIo{fd, g_opening_kind, g_opening_tap, {}, {}, {}};
}

void report_close(void* handle) {
  auto* io = static_cast<ReportIo*>(handle);
  ::close(io->fd);
  delete io;
}

int report_read(void* handle, unsigned char* buf, size_t len, int ms) {
  auto* io = static_cast<ReportIo*>(handle);
  if (len < kReportSize) return -1;
  // `ms` is what is left of the session's deadline (fido_dev_set_timeout); -1 would wait forever.
  pollfd p{io->fd, POLLIN, 0};
  const int ready = ::poll(&p, 1, ms);
  if (ready == 0)
    io->tap->note_link_failure(
        Error::make(ErrorKind::kTimeout, "CTAPHID: the authenticator did not answer in time"));
  if (ready <= 0) return -1;
  const ssize_t n = io->kind == ReportLink::Kind::kHidraw ? ::read(io->fd, buf, kReportSize)
                                                          : ::recv(io->fd, buf, kReportSize, 0);
  if (n != static_cast<ssize_t>(kReportSize)) return -1;
  if (collect(io->response, buf, kCmdCbor)) io->tap->observe(io->response.payload());
  return static_cast<int>(n);
}

// A peer that stops reading fills the socket (or the HID output queue); a write then waits at most this
// long instead of forever.
constexpr int kWriteTimeoutMs = 5000;

bool writable(const ReportIo& io) {
  pollfd p{io.fd, POLLOUT, 0};
  if (::poll(&p, 1, kWriteTimeoutMs) > 0) return true;
  io.tap->note_link_failure(Error::make(ErrorKind::kTimeout, "CTAPHID: the authenticator stopped reading"));
  return false;
}

bool send_report(const ReportIo& io, const unsigned char* report) {
  if (!writable(io)) return false;
  // The socket carries the bare 64-byte report; hidraw takes the report ID (0) in front.
  if (io.kind == ReportLink::Kind::kSocket)
    return ::send(io.fd, report, kReportSize, MSG_NOSIGNAL) == static_cast<ssize_t>(kReportSize);
  unsigned char out[kReportSize + 1] = {0};
  std::memcpy(out + 1, report, kReportSize);
  return ::write(io.fd, out, sizeof(out)) == static_cast<ssize_t>(sizeof(out));
}

int report_write(void* handle, const unsigned char* buf, size_t len) {
  // buf[0] is the HID report ID (0).
  if (len != kReportSize + 1) return -1;
  auto* io = static_cast<ReportIo*>(handle);
  const unsigned char* report = buf + 1;
  const ByteView r(report, kReportSize);
  const bool cbor_part = hid::is_init(r) ? hid::command_of(r) == kCmdCbor : io->request.active();
  if (!cbor_part) {
    io->held.clear();
    io->request.reset();
    return send_report(*io, report) ? static_cast<int>(len) : -1;
  }
  if (hid::is_init(r)) io->held.clear();
  io->held.insert(io->held.end(), report, report + kReportSize);
  if (!collect(io->request, report, kCmdCbor)) return static_cast<int>(len);  // more reports to come
  Bytes held = std::move(io->held);
  io->held.clear();
  if (!io->tap->admit(io->request.payload())) return -1;  // nothing of it was sent
  for (size_t off = 0; off < held.size(); off += kReportSize)
    if (!send_report(*io, held.data() + off)) return -1;
  return static_cast<int>(len);
}
}  // namespace

Status NfcctapLink::select() {
  auto r = connection_.select(ByteView(nfcctap::kAid));
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
  if (!self->tap_.admit(ByteView(buf, len))) return -1;
  auto r = self->connection_.send(
      iso7816::CommandApdu::make(nfcctap::kCla, nfcctap::kInsMsg, 0x00, 0x00, Bytes(buf, buf + len), 256));
  if (!r) self->tap_.note_link_failure(r.error());
  if (!r || !r->ok()) return -1;
  self->pending_ = std::move(r->data);
  self->tap_.observe(self->pending_);
  return static_cast<int>(len);
}

int NfcctapLink::rx(fido_dev_t* dev, uint8_t cmd, unsigned char* buf, size_t cap, int) {
  auto* self = static_cast<NfcctapLink*>(fido_dev_io_handle(dev));
  if (!self) return -1;
  if (cmd == kCmdInit) {
    // The NFCCTAP applet has no CTAPHID layer: the answer libfido2 expects is made up here, on channel 1,
    // device version 0.0.0, CBOR and no CTAPHID_MSG (U2F does not go over this link).
    const Bytes reply =
        hid::init_response(self->init_nonce_, 1, {0, 0, 0}, hid::kCapabilityCbor | hid::kCapabilityNoMsg);
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

Status ReportLink::attach(fido_dev_t* dev, Kind kind, CtapTap& tap) {
  static const fido_dev_io_t io{report_open, report_close, report_read, report_write};
  if (fido_dev_set_io_functions(dev, &io) != FIDO_OK)
    return Error::make(ErrorKind::kInternal, "libfido2 refused the CTAPHID io functions");
  g_opening_kind = kind;  // consumed by the open() that fido_dev_open() calls next
  g_opening_tap = &tap;
  return {};
}

bool CtapTap::admit(ByteView request) {
  request_.assign(request.begin(), request.end());
  last_info_.reset();
  if (hook_.admit) {
    if (Status s = hook_.admit(request); !s.ok()) {
      refusal_ = s.error();
      request_.clear();
      return false;
    }
  }
  return true;
}

void CtapTap::observe(ByteView response) {
  if (request_.empty()) return;
  if (!response.empty() && response[0] == 0x00) {
    cbor::Value body;
    const bool parsed =
        response.size() > 1 && cbor::decode(response.subspan(1), body) == cbor::DecodeStatus::kOk;
    if (request_[0] == static_cast<uint8_t>(Command::kGetInfo) && parsed)
      last_info_ = Bytes(response.begin() + 1, response.end());
    cbor::Value req;
    if (request_[0] == static_cast<uint8_t>(Command::kClientPin) && parsed &&
        cbor::decode(ByteView(request_).subspan(1), req) == cbor::DecodeStatus::kOk) {
      const cbor::Value* sub = req.find(protocol::ctap::kClientPinSubCommandKey);
      if (sub && sub->is_unsigned() && sub->as_unsigned() == protocol::ctap::kGetPinRetries) {
        const cbor::Value* state = body.find(int64_t{4});
        power_cycle_state_ = state && state->is_bool() ? std::optional<bool>(state->as_bool()) : std::nullopt;
      }
    }
  }
  if (hook_.observe) hook_.observe(request_, response);
  request_.clear();
}

std::optional<Error> CtapTap::take_refusal() {
  auto r = std::move(refusal_);
  refusal_.reset();
  return r;
}

}  // namespace keydesk::host::fido
