// fido_probe: drives keydesk's host FidoSession (libfido2 1.12) against a real stack for
// test_fido_libfido2.sh — PC/SC through pcscd + vpcd + keydesk-sim (the NFCCTAP bridge over
// PcscTransport), or keydesk-sim's CTAPHID socket.
//
//   fido_probe pcsc READER STEP...      fido_probe socket PATH STEP...
//
// One line per step, "STEP: ok ...", "STEP: ctap 0xNN" or "STEP: error ...". Steps:
//   info                 clientPin=.. remaining=.. retries=.. power_cycle=..
//   retries              N power_cycle=true|false|unknown
//   set-pin:P  change-pin:OLD:NEW  token:PIN (a credential listing: needs a pinUvAuthToken)
//   make-cred:PIN        a discoverable credential for probe.example
//   list:PIN             count=N     delete:PIN (every discoverable credential)    reset
//   @control=CMD         a line to keydesk-sim's control channel ($KD_CONTROL), e.g. power-cycle
//   @reopen              a new session (after a power cycle, PC/SC waits for the card, up to 5 s)
//   @sleep=SECONDS
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "host/fido/fido_session.h"
#include "transport/pcsc_context.h"
#include "transport/pcsc_transport.h"

namespace {

using keydesk::Bytes;
using keydesk::ByteView;
using keydesk::Error;
using keydesk::ErrorKind;
using keydesk::host::fido::FidoSession;

std::string outcome(const Error& e) {
  if (e.kind == ErrorKind::kCtap) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "ctap 0x%02x", static_cast<unsigned>(e.code));
    return buf;
  }
  return "error " + keydesk::describe(e);
}

template <typename T>
std::string outcome(const keydesk::Result<T>& r, const std::string& ok_text) {
  return r.ok() ? "ok" + (ok_text.empty() ? "" : " " + ok_text) : outcome(r.error());
}

std::string outcome(const keydesk::Status& s) {
  return s.ok() ? "ok" : outcome(s.error());
}

std::string control(const std::string& command) {
  const char* path = std::getenv("KD_CONTROL");
  if (!path) return "error no $KD_CONTROL";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path, sizeof(addr.sun_path) - 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0) ::close(fd);
    return "error cannot connect to the control channel";
  }
  const std::string line = command + "\n";
  std::string reply;
  if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(line.size())) {
    char c = 0;
    while (::recv(fd, &c, 1, 0) == 1 && c != '\n') reply += c;
  }
  ::close(fd);
  return reply;
}

std::string opt_text(const std::optional<bool>& v) {
  return v ? (*v ? "true" : "false") : "unknown";
}

class Probe {
 public:
  Probe(std::string link, std::string target) : link_(std::move(link)), target_(std::move(target)) {}

  // Opens the session; PC/SC retries while the card is coming back from a power cycle.
  std::string open() {
    session_.reset();
    pcsc_.reset();
    std::string why;
    for (int attempt = 0; attempt < 50; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (link_ == "socket") {
        auto s = FidoSession::open_socket(target_);
        if (s.ok()) {
          session_ = std::move(s).value();
          return "ok";
        }
        why = outcome(s.error());
        continue;
      }
      auto t = keydesk::transport::PcscTransport::connect(target_);
      if (!t.ok()) {
        why = outcome(t.error());
        continue;
      }
      pcsc_ = std::move(t).value();
      auto s = FidoSession::open_pcsc(*pcsc_);
      if (s.ok()) {
        session_ = std::move(s).value();
        return "ok";
      }
      why = outcome(s.error());
      pcsc_.reset();
    }
    return why;
  }

  std::string run(const std::string& step) {
    std::vector<std::string> a;
    std::stringstream in(step);
    for (std::string part; std::getline(in, part, ':');) a.push_back(part);
    if (step.rfind("@control=", 0) == 0) return control(step.substr(9));
    if (step.rfind("@sleep=", 0) == 0) {
      std::this_thread::sleep_for(std::chrono::duration<double>(std::stod(step.substr(7))));
      return "ok";
    }
    if (step == "@reopen") return open();
    if (!session_) return "error no session";
    FidoSession& s = *session_;
    if (a[0] == "info") {
      auto info = s.info();
      if (!info.ok()) return outcome(info.error());
      return "ok clientPin=" + opt_text(info->option("clientPin")) +
             " remaining=" + std::to_string(info->remaining_discoverable_credentials.value_or(-1)) +
             " retries=" + (info->pin_retries ? std::to_string(*info->pin_retries) : "none") +
             " power_cycle=" + opt_text(info->power_cycle_required);
    }
    if (a[0] == "retries") {
      auto r = s.pin_retry_state();
      if (!r.ok()) return outcome(r.error());
      return "ok " + std::to_string(r->retries) + " power_cycle=" + opt_text(r->power_cycle_required);
    }
    if (a[0] == "set-pin" && a.size() == 2) return outcome(s.set_pin(a[1]));
    if (a[0] == "change-pin" && a.size() == 3) return outcome(s.change_pin(a[1], a[2]));
    if ((a[0] == "token" || a[0] == "list") && a.size() == 2) {
      auto creds = s.credentials(a[1]);
      return outcome(creds, creds.ok() ? "count=" + std::to_string(creds->size()) : "");
    }
    if (a[0] == "make-cred" && a.size() == 2) {
      auto made =
          s.make_credential("probe.example", Bytes{0x70, 0x72, 0x6f, 0x62, 0x65}, "probe", true, a[1]);
      return outcome(made, made.ok() ? "id_bytes=" + std::to_string(made->credential_id.size()) : "");
    }
    if (a[0] == "delete" && a.size() == 2) {
      auto creds = s.credentials(a[1]);
      if (!creds.ok()) return outcome(creds.error());
      for (const auto& c : *creds)
        if (auto d = s.delete_credential(a[1], c.credential_id); !d.ok()) return outcome(d.error());
      return "ok deleted=" + std::to_string(creds->size());
    }
    if (a[0] == "reset") return outcome(s.reset());
    return "error unknown step";
  }

 private:
  std::string link_, target_;
  std::unique_ptr<keydesk::transport::PcscTransport> pcsc_;
  std::unique_ptr<FidoSession> session_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || (std::string(argv[1]) != "pcsc" && std::string(argv[1]) != "socket")) {
    std::cerr << "usage: fido_probe pcsc READER|socket PATH STEP...\n";
    return 2;
  }
  Probe probe(argv[1], argv[2]);
  const std::string opened = probe.open();
  std::cout << "open: " << opened << std::endl;
  if (opened != "ok") return 1;
  for (int i = 3; i < argc; ++i) std::cout << argv[i] << ": " << probe.run(argv[i]) << std::endl;
  return 0;
}
