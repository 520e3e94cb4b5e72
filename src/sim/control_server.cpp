#include "sim/control_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include "sim/control_protocol.h"

namespace keydesk::sim {
namespace {
using namespace std::chrono_literals;
constexpr auto kPollInterval = 50ms;
constexpr size_t kMaxLine = 256;
}  // namespace

Status ControlServer::start() {
  auto listener = listen_unix(path_, SOCK_STREAM);
  if (!listener) return listener.error();
  listener_ = std::move(*listener);
  running_ = true;
  thread_ = std::thread([this] { run(); });
  return {};
}

void ControlServer::stop() {
  running_ = false;
  if (thread_.joinable()) thread_.join();
  if (listener_.valid()) {
    listener_.reset();
    ::unlink(path_.c_str());
  }
}

void ControlServer::run() {
  while (running_) {
    if (wait_readable(listener_.get(), kPollInterval) != WaitResult::kReadable) continue;
    UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (client.valid()) serve_client(client);
  }
}

void ControlServer::serve_client(const UniqueFd& client) {
  std::string pending;
  char buffer[256];
  while (running_) {
    const WaitResult w = wait_readable(client.get(), kPollInterval);
    if (w == WaitResult::kTimeout) continue;
    if (w == WaitResult::kError) return;
    const ssize_t n = ::recv(client.get(), buffer, sizeof buffer, 0);
    if (n <= 0) return;
    pending.append(buffer, static_cast<size_t>(n));
    for (size_t eol; (eol = pending.find('\n')) != std::string::npos;) {
      const std::string reply = execute(std::string_view(pending).substr(0, eol)) + "\n";
      pending.erase(0, eol + 1);
      if (!send_all(client.get(), bytes_of(reply))) return;
    }
    if (pending.size() > kMaxLine) {
      (void)send_all(client.get(),
                     bytes_of(format_error(Error::make(ErrorKind::kUsage, "line too long")) + "\n"));
      return;
    }
  }
}

std::string ControlServer::execute(std::string_view line) {
  auto command = parse_control_command(line);
  if (!command) return format_error(command.error());
  switch (command->verb) {
    case ControlVerb::kRemove:
      slot_.remove();
      log_.event("control: token removed");
      return "ok";
    case ControlVerb::kInsert:
      slot_.insert();
      log_.event("control: token inserted");
      return "ok";
    case ControlVerb::kPowerCycle:
      slot_.power_cycle();
      log_.event("control: power cycle");
      return "ok";
    case ControlVerb::kPresence:
      slot_.card().context().presence.set_mode(command->presence);
      log_.event(std::string("control: user presence ") +
                 (command->presence == card::UserPresence::Mode::kGrant ? "granted" : "denied"));
      return "ok";
    case ControlVerb::kStatus: {
      SimStatus status = slot_.status();
      status.hold = hold_.state();
      return format_status(status);
    }
    case ControlVerb::kHoldAfter:
      if (Status armed = hold_.arm(command->link, command->trigger); !armed)
        return format_error(armed.error());
      return "ok";
    case ControlVerb::kWaitHeld:
      // Blocks this control connection (not the links) until the hold takes effect.
      if (Status held = hold_.wait_held(command->wait); !held) return format_error(held.error());
      return "ok";
    case ControlVerb::kRelease:
      if (Status released = hold_.release(); !released) return format_error(released.error());
      return "ok";
    case ControlVerb::kFreeze:
      slot_.card().freeze(command->freeze_after);
      log_.event(command->freeze_after == 0
                     ? std::string("control: token frozen")
                     : "control: token freezes after " + std::to_string(command->freeze_after) + " commands");
      return "ok";
    case ControlVerb::kThaw:
      slot_.card().thaw();
      log_.event("control: token thawed");
      return "ok";
  }
  return format_error(Error::make(ErrorKind::kInternal, "unhandled control command"));
}

}  // namespace keydesk::sim
