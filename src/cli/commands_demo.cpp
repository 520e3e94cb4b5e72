// keydesk demo: a diagnosis of the case study's token on a machine with no key. Starts pcscd when none
// runs, starts keydesk-sim with the profile on a private temporary state, runs `keydesk diagnose` against
// it, shows what to try next, and stops exactly what it started.
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <thread>

#include "cli/app.h"
#include "cli/context.h"
#include "cli/handlers.h"

extern char** environ;

namespace keydesk::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPcscdSocket = "/run/pcscd/pcscd.comm";
constexpr const char* kPcscdPidFile = "/run/pcscd/pcscd.pid";
// The Debian vpcd driver's two readers and the ports their virtual cards connect to.
constexpr std::array<std::pair<const char*, int>, 2> kVpcdSlots{
    {{"Virtual PCD 00 00", 35963}, {"Virtual PCD 00 01", 35964}}};

Result<pid_t> spawn(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  if (int rc = posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ); rc != 0)
    return Error::make(ErrorKind::kNotFound, "cannot start " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

// keydesk-sim next to this keydesk (build tree or install), else on PATH.
std::string sim_program() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  for (const fs::path& candidate :
       {self.parent_path() / "keydesk-sim", self.parent_path() / "../sim/keydesk-sim"})
    if (!ec && fs::exists(candidate)) return candidate.lexically_normal().string();
  return "keydesk-sim";
}

// What the demo started, stopped in reverse order whatever happens.
class Started {
 public:
  ~Started() {
    if (sim_ > 0) {
      kill(sim_, SIGTERM);
      waitpid(sim_, nullptr, 0);
    }
    if (pcscd_ > 0) kill(pcscd_, SIGTERM);
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }
  pid_t sim_ = 0;
  pid_t pcscd_ = 0;
  fs::path dir_;
};

template <typename Pred>
bool wait_for(Pred&& ready, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return ready();
}

Status ensure_pcscd(Started& started, std::ostream& err) {
  if (fs::exists(kPcscdSocket)) return {};
  err << "demo: no pcscd running; starting one\n";
  auto pid = spawn({"pcscd"});  // daemonizes; the daemon's pid is in its pid file
  if (!pid) return pid.error();
  waitpid(*pid, nullptr, 0);
  if (!wait_for([] { return fs::exists(kPcscdSocket) && fs::exists(kPcscdPidFile); },
                std::chrono::seconds(10)))
    return Error::make(ErrorKind::kTransport,
                       "pcscd did not start (is the pcscd package installed? run as root?)");
  std::ifstream(kPcscdPidFile) >> started.pcscd_;
  return {};
}

bool reader_has_card(access::TokenSource& tokens, const char* reader) {
  auto list = tokens.list();
  if (!list) return false;
  return std::any_of(list->begin(), list->end(),
                     [&](const access::TokenInfo& t) { return t.reader == reader; });
}

}  // namespace

Result<CommandResult> run_demo(Context& ctx) {
  auto& err = ctx.diagnostics();
  Started started;
  KD_TRY(ensure_pcscd(started, err));
  auto& tokens = ctx.token_source();
  const auto* slot = std::find_if(kVpcdSlots.begin(), kVpcdSlots.end(),
                                  [&](const auto& s) { return !reader_has_card(tokens, s.first); });
  if (slot == kVpcdSlots.end())
    return Error::make(ErrorKind::kRefused,
                       "both Virtual PCD readers already hold a card; stop the other keydesk-sim first");

  char dir_template[] = "/tmp/keydesk-demo-XXXXXX";
  if (!mkdtemp(dir_template)) return Error::make(ErrorKind::kIo, "cannot create a temporary directory");
  started.dir_ = dir_template;
  const std::string profile = ctx.args().value("profile").value_or("case-study");
  const std::string ctaphid = (started.dir_ / "ctaphid.sock").string();
  auto sim = spawn({sim_program(), "--profile", profile, "--state", (started.dir_ / "state.json").string(),
                    "--vpcd-port", std::to_string(slot->second), "--control",
                    (started.dir_ / "control.sock").string(), "--ctaphid", ctaphid});
  if (!sim) return sim.error();
  started.sim_ = *sim;
  if (!wait_for([&] { return reader_has_card(tokens, slot->first); }, std::chrono::seconds(15)))
    return Error::make(ErrorKind::kNoToken, std::string("keydesk-sim did not appear in ") + slot->first);
  err << "demo: simulated '" << profile << "' token in \"" << slot->first << "\" (state in "
      << started.dir_.string() << ")\n\n";

  // The demo's diagnosis is the real command, with the simulated token's FIDO socket.
  setenv("KEYDESK_FIDO_SOCKET", ctaphid.c_str(), 1);
  std::vector<std::string> args{"--reader", slot->first, "diagnose", "--symptom", "windows-logon"};
  if (ctx.args().json) args.push_back("--json");
  if (ctx.args().verbose) args.push_back("-v");
  std::ostringstream diagnosis;
  std::istringstream no_input;
  const int code = run_keydesk(args, tokens, {no_input, false, diagnosis, err});
  if (code != 0)
    return Error::make(ErrorKind::kInternal,
                       "the demo's diagnose failed (exit " + std::to_string(code) + ")");

  CommandResult result;
  if (ctx.args().json) {
    result.output.json = nlohmann::ordered_json::parse(diagnosis.str());
    return result;
  }
  result.output.notes.push_back(diagnosis.str());
  const std::string r = std::string("--reader \"") + slot->first + "\"";
  result.output.notes.push_back("Try next, against your own key (or keydesk-sim, see README):");
  for (const char* step : {"token-info", "token-cuid", "aca-props-get", "pin-verify -p - -v", "otp-props-get",
                           "fido-props-get -v", "explain 63C5 0x34 0x35"})
    result.output.notes.push_back(
        "  keydesk " +
        (std::string(step).starts_with("token-info") || std::string(step).starts_with("explain")
             ? std::string()
             : r + " ") +
        step);
  result.output.notes.push_back("demo: stopped the simulated token" +
                                std::string(started.pcscd_ > 0 ? " and the pcscd it started" : "") + ".");
  return result;
}

}  // namespace keydesk::cli
