// keydesk-sim: a software security key that real PC/SC and FIDO clients accept. It plugs into pcscd as
// the card of vsmartcard's vpcd reader, optionally serves CTAPHID on a UNIX socket, and takes remove /
// insert / presence commands on a control socket. See docs/keydesk-sim.md.
#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <vector>

#include "card/card.h"
#include "card/profile.h"
#include "sim/control_server.h"
#include "sim/ctaphid_interface.h"
#include "sim/initial_state.h"
#include "sim/link_hold.h"
#include "sim/sim_options.h"
#include "sim/token_slot.h"
#include "sim/vpcd_link.h"
#include "token/standard_token.h"

namespace {
using namespace keydesk;

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

int fail(const Error& error, int code = kExitError) {
  std::cerr << "keydesk-sim: " << describe(error) << '\n';
  return code;
}

// Signals are taken by sigwait() in main; every thread started later inherits the blocked mask.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

// The profiles installed with this keydesk-sim: <prefix>/share/keydesk/profiles beside <prefix>/bin, found
// from the executable's own location, so a package installed in any prefix needs no path of the machine
// that built it. A build tree has none there: tests and developers set $KEYDESK_PROFILE_DIR.
std::vector<std::string> installed_profile_dirs() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return {(self.parent_path() / KEYDESK_PROFILE_DIR_FROM_BINDIR).lexically_normal().string()};
}

}  // namespace

int run_sim(int argc, char** argv) {
  auto options = sim::parse_sim_options(std::vector<std::string>(argv + 1, argv + argc));
  if (!options) {
    std::cerr << sim::sim_usage();
    return fail(options.error(), kExitUsage);
  }
  if (options->help) {
    std::cout << sim::sim_usage();
    return 0;
  }
  sim::SimLog log(options->verbose);

  const auto search_path = card::profile_search_path(installed_profile_dirs());
  auto initial = sim::initial_state(options->state_path, options->profile, search_path);
  if (!initial)
    return fail(initial.error(), initial.error().kind == ErrorKind::kUsage ? kExitUsage : kExitError);

  card::Card card(options->state_path);
  const token::StandardApplets applets = token::install_standard_applets(card, initial->document);
  // A state file is validated strictly and, refused, left exactly as it was (nothing is written).
  if (Status loaded = card.load(
          initial->document, initial->seeded ? card::Card::Origin::kProfile : card::Card::Origin::kStateFile);
      !loaded)
    return fail(
        Error::make(loaded.error().kind, options->state_path + " refused: " + describe(loaded.error())));
  sim::TokenSlot slot(card);
  sim::LinkHold hold(log);

  const sigset_t stop_signals = block_stop_signals();
  // Every way the token is reached; each is started here and stopped in reverse order on exit.
  std::vector<std::unique_ptr<sim::SimInterface>> interfaces;
  interfaces.push_back(
      std::make_unique<sim::VpcdLink>(slot, hold, options->vpcd_host, options->vpcd_port, log));
  if (options->control_socket)
    interfaces.push_back(std::make_unique<sim::ControlServer>(slot, hold, *options->control_socket, log));
  if (options->ctaphid_socket) {
    if (!applets.fido)
      return fail(
          Error::make(ErrorKind::kUsage, "--ctaphid: the token has no FIDO applet (no \"fido\" section)"),
          kExitUsage);
    interfaces.push_back(
        std::make_unique<sim::CtaphidInterface>(card, *applets.fido, hold, *options->ctaphid_socket));
  }

  auto stop_all = [&] {
    hold.shutdown();  // a link waiting in a hold must not keep its thread from stopping
    for (auto it = interfaces.rbegin(); it != interfaces.rend(); ++it) (*it)->stop();
  };
  for (auto& interface : interfaces) {
    if (Status started = interface->start(); !started) {
      stop_all();
      return fail(Error::make(started.error().kind, interface->name() + ": " + describe(started.error())));
    }
  }
  const auto status = slot.status();
  log.event(std::string(initial->seeded ? "seeded " : "loaded ") + options->state_path + " (profile '" +
            status.profile + "', serial " + std::to_string(status.serial) + ", CUID " + status.cuid + ")");

  int signal = 0;
  sigwait(&stop_signals, &signal);
  log.event(std::string("stopping on ") + (signal == SIGINT ? "SIGINT" : "SIGTERM"));
  card.thaw();  // a request held by `freeze` must not keep an interface's thread from stopping
  stop_all();
  return 0;
}

// The edge: a failure nothing below caught becomes a message and exit status 1, never an abort.
int main(int argc, char** argv) {
  try {
    return run_sim(argc, argv);
  } catch (const std::exception& e) {
    return fail(Error::make(ErrorKind::kInternal, std::string("unexpected failure: ") + e.what()));
  } catch (...) {
    return fail(Error::make(ErrorKind::kInternal, "unexpected failure"));
  }
}
