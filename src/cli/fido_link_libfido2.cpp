// FIDO through libfido2 (host/fido): fido-props-get and diagnose read getInfo and getPINRetries;
// fido-cred-list and fido-pin-change make at most one FIDO PIN attempt behind the retry interlock.
//
// Which interface: the token's card link first (NFCCTAP; for read-only commands it runs through the
// read-only guard, whose CTAP policy judges every request), then the USB HID device discovery matched to
// the token, then keydesk-sim's CTAPHID socket named by $KEYDESK_FIDO_SOCKET. Read-only commands pass a
// ReadOnlyCtapPolicy as the session's CTAP hook, so it judges every request on every link (over NFCCTAP
// the read-only guard judges it a second time).
#include <fido.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "cli/fido_link.h"
#include "cli/handlers.h"
#include "cli/snapshot_json.h"
#include "core/text.h"
#include "host/fido/fido_session.h"
#include "runbook/retry_interlock.h"
#include "transport/readonly_guard.h"

namespace keydesk::cli {
namespace {

using host::fido::CtapHook;
using host::fido::FidoSession;

// The read-only rule as a session hook: every CTAP request on any link is admitted by the policy, which
// learns from every response (getInfo's clientPin for the PIN_NOT_SET probe).
CtapHook read_only_hook() {
  auto policy = std::make_shared<transport::ReadOnlyCtapPolicy>();
  return {[policy](ByteView request) { return policy->admit(request); },
          [policy](ByteView request, ByteView response) { policy->observe(request, response); }};
}

// Any PIN: on a key without a FIDO PIN the authenticator answers 0x35 before looking at it.
constexpr const char* kProbePin = "000000";

struct OpenedFido {
  std::unique_ptr<FidoSession> session;
  std::string transport;
};

Result<OpenedFido> open_fido(Context& ctx, const host::TokenInfo& token, const CtapHook& hook = {}) {
  FidoSession::set_timeout(ctx.args().timeout);
  std::string problems;
  auto note = [&](const std::string& p) { problems += (problems.empty() ? "" : "; ") + p; };
  if (!token.reader.empty()) {
    auto link = ctx.card_transport();
    if (!link) return link.error();
    auto s = FidoSession::open_pcsc(**link, hook);
    if (s) return OpenedFido{std::move(s).value(), "PC/SC (NFCCTAP)"};
    // The token went away or stopped answering: its other interfaces are not worth waiting for.
    if (s.error().kind == ErrorKind::kTimeout || s.error().kind == ErrorKind::kTokenRemoved) return s.error();
    note("no FIDO applet on the smart card interface (" + describe(s.error()) + ")");
  }
  if (!token.fido_path.empty()) {
    auto s = FidoSession::open_hid(token.fido_path, hook);
    if (s) return OpenedFido{std::move(s).value(), "USB HID"};
    note("USB HID " + token.fido_path + ": " + describe(s.error()));
  } else if (auto p = ctx.token_source().fido_problem(); !p.empty()) {
    note(p);
  } else {
    note(
        "no USB HID FIDO interface belongs to this token (a hub or adapter may expose only the card "
        "interface)");
  }
  if (const char* socket = std::getenv("KEYDESK_FIDO_SOCKET")) {
    auto s = FidoSession::open_socket(socket, hook);
    if (s) return OpenedFido{std::move(s).value(), "CTAPHID socket"};
    note(std::string("CTAPHID socket ") + socket + ": " + describe(s.error()));
  }
  return Error::make(ErrorKind::kNoToken, problems);
}

runbook::FidoState state_of(const host::fido::FidoInfo& info, const std::string& transport) {
  runbook::FidoState s;
  s.reachable = true;
  s.transport = transport;
  s.versions = info.versions;
  s.aaguid = info.aaguid;
  for (const auto& [name, value] : info.options) s.options[name] = value;
  s.pin_retries = info.pin_retries;
  s.power_cycle_required = info.power_cycle_required;
  if (info.remaining_discoverable_credentials)
    s.remaining_discoverable_credentials = static_cast<int>(*info.remaining_discoverable_credentials);
  if (info.min_pin_length > 0) s.min_pin_length = static_cast<int>(info.min_pin_length);
  return s;
}

class LibfidoStateReader final : public runbook::FidoStateReader {
 public:
  LibfidoStateReader(Context& ctx, host::TokenInfo token) : ctx_(ctx), token_(std::move(token)) {}

  runbook::FidoState read() override {
    auto opened = open_fido(ctx_, token_, read_only_hook());
    if (!opened) return unreachable(describe(opened.error()), opened.error());
    auto info = opened->session->info();
    if (!info) return unreachable("getInfo failed: " + describe(info.error()), info.error());
    auto state = state_of(*info, opened->transport);
    if (info->option("clientPin") == false) {
      auto probe = opened->session->credentials(kProbePin);
      if (!probe && probe.error().kind == ErrorKind::kCtap)
        state.pin_probe_status = static_cast<uint8_t>(probe.error().code);
    }
    return state;
  }

 private:
  static runbook::FidoState unreachable(std::string why, const Error& error) {
    runbook::FidoState s;
    s.unreachable_reason = std::move(why);
    if (error.kind == ErrorKind::kTimeout || error.kind == ErrorKind::kTokenRemoved) s.link_failure = error;
    return s;
  }
  Context& ctx_;
  host::TokenInfo token_;
};

std::optional<int> retries_of(FidoSession& s) {
  auto r = s.pin_retries();
  return r ? std::optional<int>(*r) : std::nullopt;
}

// FIDO PINs: at least the key's minimum (4 by default) and at most 63 bytes of UTF-8; no PUK ever exists,
// so the interlock's floor is the stricter one.
Status check_fido_attempt(const host::fido::FidoInfo& info, std::string_view pin, std::optional<int> retries,
                          bool force) {
  const int min = info.min_pin_length > 0 ? static_cast<int>(info.min_pin_length) : 4;
  if (static_cast<int>(pin.size()) < min || pin.size() > 63)
    return Error::make(ErrorKind::kUsage,
                       "the FIDO PIN must be " + std::to_string(min) + " to 63 bytes (not sent to the key)");
  return runbook::check_attempt("FIDO PIN", retries, false, force);
}

ExitCode exit_code_of_ctap(uint8_t status) {
  switch (status) {
    case 0x00:
    case 0x35:
      return ExitCode::kSuccess;  // PIN_NOT_SET is an answer: no PIN, no credentials
    case 0x31:
      return ExitCode::kWrongPin;
    case 0x32:
    case 0x34:
      return ExitCode::kBlocked;
    default:
      return ExitCode::kDeviceError;
  }
}

void add_attempt(CommandResult& result, uint8_t status, std::optional<int> before, std::optional<int> after) {
  auto m = explain_ctap(status);
  const std::string name = m ? m->name : "CTAP status " + std::to_string(status);
  result.output.json["CtapStatus"] = ctap_name(status);
  result.output.json["PinRetriesBefore"] = before ? ojson(*before) : ojson(nullptr);
  result.output.json["PinRetriesAfter"] = after ? ojson(*after) : ojson(nullptr);
  result.output.notes.push_back(name + (m ? " - " + m->meaning : ""));
  auto text = [](std::optional<int> v) { return v ? std::to_string(*v) : std::string("unknown"); };
  result.output.notes.push_back("FIDO PIN retries: " + text(before) + " before, " + text(after) + " after");
  if (m && !m->advice.empty()) result.output.notes.push_back("next: " + m->advice);
  result.code = exit_code_of_ctap(status);
}

// Why hidraw devices may be invisible to libfido2, in words: none at all, or not readable by this user.
std::string hidraw_problem() {
  std::error_code ec;
  std::vector<std::string> unreadable;
  bool any = false;
  for (const auto& entry : std::filesystem::directory_iterator("/dev", ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("hidraw")) continue;
    any = true;
    if (access(entry.path().c_str(), R_OK | W_OK) != 0) unreadable.push_back(entry.path().string());
  }
  if (!any) return "no USB HID devices on this machine (no /dev/hidraw*): FIDO over USB is unreachable here";
  if (unreadable.empty()) return {};
  std::string list;
  for (const auto& u : unreadable) list += (list.empty() ? "" : ", ") + u;
  return "permission denied on " + list +
         ": run elevated or add a udev rule for the key (FIDO needs hidraw access)";
}

}  // namespace

std::vector<host::FidoDevice> list_fido_devices(std::string& problem) {
  constexpr size_t kMax = 64;
  problem = hidraw_problem();
  fido_init(FIDO_DISABLE_U2F_FALLBACK);  // the same flags as host/fido sessions (fido_init is global)
  fido_dev_info_t* list = fido_dev_info_new(kMax);
  size_t found = 0;
  std::vector<host::FidoDevice> devices;
  if (list && fido_dev_info_manifest(list, kMax, &found) == FIDO_OK) {
    for (size_t i = 0; i < found; ++i) {
      const fido_dev_info_t* d = fido_dev_info_ptr(list, i);
      const char* product = fido_dev_info_product_string(d);
      devices.push_back({fido_dev_info_path(d), product ? product : ""});
    }
  }
  fido_dev_info_free(&list, kMax);
  return devices;
}

std::unique_ptr<runbook::FidoStateReader> make_fido_state_reader(Context& ctx, const host::TokenInfo& token) {
  return std::make_unique<LibfidoStateReader>(ctx, token);
}

Result<std::vector<std::string>> reset_fido(Context& ctx, const host::TokenInfo& token) {
  auto opened = open_fido(ctx, token);
  if (!opened) return opened.error();
  KD_TRY(opened->session->reset());
  return std::vector<std::string>{"FIDO: every passkey and the FIDO PIN erased (" + opened->transport + ")"};
}

Result<CommandResult> run_fido_cred_list(Context& ctx) {
  auto token = ctx.token();
  if (!token) return token.error();
  auto opened = open_fido(ctx, *token);
  if (!opened) return opened.error();
  auto& session = *opened->session;
  auto info = session.info();
  if (!info) return info.error();
  auto pin = ctx.secret("pin", "FIDO PIN");
  if (!pin) return pin.error();
  const auto before = retries_of(session);
  // With no FIDO PIN there is no counter to spend: the attempt is the PIN_NOT_SET answer itself.
  if (info->option("clientPin") != false)
    KD_TRY(check_fido_attempt(*info, *pin, before, ctx.args().has("force")));
  auto creds = session.credentials(*pin);
  std::fill(pin->begin(), pin->end(), '\0');
  CommandResult result;
  result.output.json["Credentials"] = ojson::array();
  if (!creds) {
    if (creds.error().kind != ErrorKind::kCtap) return creds.error();
    add_attempt(result, static_cast<uint8_t>(creds.error().code), before, retries_of(session));
    return result;
  }
  Table table{"", {"RP", "User", "Credential ID"}, {}};
  for (const auto& c : *creds) {
    table.rows.push_back({c.rp_id, c.user_name, to_hex(c.credential_id)});
    ojson entry;
    put_text(entry, "RpId", c.rp_id);
    put_text(entry, "UserName", c.user_name);
    entry["CredentialId"] = to_hex(c.credential_id);
    result.output.json["Credentials"].push_back(std::move(entry));
  }
  result.output.tables.push_back(std::move(table));
  add_attempt(result, 0x00, before, retries_of(session));
  return result;
}

Result<CommandResult> run_fido_pin_change(Context& ctx) {
  auto token = ctx.token();
  if (!token) return token.error();
  auto opened = open_fido(ctx, *token);
  if (!opened) return opened.error();
  auto& session = *opened->session;
  auto info = session.info();
  if (!info) return info.error();
  const bool pin_set = info->option("clientPin") == true;
  std::optional<std::string> current;
  if (pin_set) {
    auto p = ctx.secret("pin", "Current FIDO PIN");
    if (!p) return p.error();
    current = std::move(p).value();
  }
  auto fresh = ctx.secret("new-pin", "New FIDO PIN");
  if (!fresh) return fresh.error();
  const auto before = retries_of(session);
  KD_TRY(check_fido_attempt(*info, *fresh, pin_set ? before : std::optional<int>(8), true));
  if (pin_set) KD_TRY(check_fido_attempt(*info, *current, before, ctx.args().has("force")));
  const Status done = pin_set ? session.change_pin(*current, *fresh) : session.set_pin(*fresh);
  CommandResult result;
  result.output.json["Operation"] = pin_set ? "change" : "set";
  if (!done && done.error().kind != ErrorKind::kCtap) return done.error();
  add_attempt(result, done ? 0x00 : static_cast<uint8_t>(done.error().code), before, retries_of(session));
  return result;
}

}  // namespace keydesk::cli
