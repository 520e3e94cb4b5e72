// FIDO through libfido2 (host/fido): fido-props-get and diagnose read getInfo and getPINRetries only;
// fido-cred-list and fido-pin-change make at most one FIDO PIN attempt behind the retry interlock.
//
// Which interface: the token's card link first (NFCCTAP; for read-only commands it runs through the
// read-only guard, which judges every CTAP request), then the USB HID device discovery matched to the
// token, then keydesk-sim's CTAPHID socket named by $KEYDESK_FIDO_SOCKET; $KEYDESK_FIDO_LINK (pcsc, hid,
// socket) restricts the choice to one. Read-only commands pass admit_read_only_ctap as the session's CTAP
// hook, so it judges every request on every link (over NFCCTAP the read-only guard judges it a second
// time).
#include <fido.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

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

// The read-only rule as a session hook: every CTAP request on any link must pass admit_read_only_ctap,
// a pure function of the request (nothing the authenticator answers widens it). `refused` counts what it
// stopped.
CtapHook read_only_hook(std::shared_ptr<uint64_t> refused) {
  return {[refused](ByteView request) {
            Status admitted = transport::admit_read_only_ctap(request);
            if (!admitted) ++*refused;
            return admitted;
          },
          {}};
}

struct OpenedFido {
  std::unique_ptr<FidoSession> session;
  std::string transport;
};

// $KEYDESK_FIDO_LINK, when set, names the one link to try: "pcsc", "hid" or "socket".
struct LinkChoice {
  bool pcsc = true, hid = true, socket = true;
};

Result<LinkChoice> link_choice() {
  const char* named = std::getenv("KEYDESK_FIDO_LINK");
  if (!named || !*named) return LinkChoice{};
  const std::string_view link(named);
  if (link == "pcsc") return LinkChoice{true, false, false};
  if (link == "hid") return LinkChoice{false, true, false};
  if (link == "socket") return LinkChoice{false, false, true};
  return Error::make(ErrorKind::kUsage,
                     "KEYDESK_FIDO_LINK must be pcsc, hid or socket, not '" + std::string(link) + "'");
}

Result<OpenedFido> open_fido(Context& ctx, const host::TokenInfo& token, const CtapHook& hook = {}) {
  auto choice = link_choice();
  if (!choice) return choice.error();
  FidoSession::set_timeout(ctx.args().timeout);
  std::string problems;
  auto note = [&](const std::string& p) { problems += (problems.empty() ? "" : "; ") + p; };
  if (choice->pcsc && !token.reader.empty()) {
    auto link = ctx.card_transport();
    if (!link) return link.error();
    auto s = FidoSession::open_pcsc(**link, hook);
    if (s) return OpenedFido{std::move(s).value(), "PC/SC (NFCCTAP)"};
    // The token went away or stopped answering: its other interfaces are not worth waiting for.
    if (s.error().kind == ErrorKind::kTimeout || s.error().kind == ErrorKind::kTokenRemoved) return s.error();
    note("no FIDO applet on the smart card interface (" + describe(s.error()) + ")");
  }
  if (choice->hid) {
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
  }
  const char* socket = std::getenv("KEYDESK_FIDO_SOCKET");
  if (choice->socket && socket) {
    auto s = FidoSession::open_socket(socket, hook);
    if (s) return OpenedFido{std::move(s).value(), "CTAPHID socket"};
    note(std::string("CTAPHID socket ") + socket + ": " + describe(s.error()));
  } else if (choice->socket && !choice->pcsc && !choice->hid) {
    note("KEYDESK_FIDO_LINK=socket needs KEYDESK_FIDO_SOCKET (the path of keydesk-sim's CTAPHID socket)");
  }
  if (problems.empty()) problems = "no FIDO link of the kind KEYDESK_FIDO_LINK names belongs to this token";
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

  // getInfo (the one the session's open sent) and, where a PIN is set, getPINRetries. No PIN_NOT_SET probe:
  // a PIN token request is never safe on a read-only path (transport/readonly_guard.h says why). The
  // session stays open for read_again().
  runbook::FidoState read() override {
    session_.reset();
    const uint64_t refused_before = *refused_;
    auto opened = open_fido(ctx_, token_, read_only_hook(refused_));
    if (!opened) {
      auto state = unreachable(describe(opened.error()), opened.error());
      state.requests_refused = *refused_ - refused_before;
      return state;
    }
    session_ = std::move(opened->session);
    transport_ = opened->transport;
    return state_from(session_->info(), refused_before);
  }

  // A new getInfo (and getPINRetries) on the same session: no new SELECT or CTAPHID channel.
  runbook::FidoState read_again() override {
    if (!session_) return read();
    const uint64_t refused_before = *refused_;
    return state_from(session_->info(true), refused_before);
  }

 private:
  // `refused_before`: the hook's count when this read began (FidoState counts one read's refusals).
  runbook::FidoState state_from(const Result<host::fido::FidoInfo>& info, uint64_t refused_before) {
    auto state = info ? state_of(*info, transport_)
                      : unreachable("getInfo failed: " + describe(info.error()), info.error());
    state.requests_refused = *refused_ - refused_before;
    return state;
  }
  static runbook::FidoState unreachable(std::string why, const Error& error) {
    runbook::FidoState s;
    s.unreachable_reason = std::move(why);
    if (error.kind == ErrorKind::kTimeout || error.kind == ErrorKind::kTokenRemoved) s.link_failure = error;
    return s;
  }
  Context& ctx_;
  host::TokenInfo token_;
  std::shared_ptr<uint64_t> refused_ = std::make_shared<uint64_t>(0);  // by the session's read-only hook
  std::unique_ptr<FidoSession> session_;
  std::string transport_;
};

std::optional<int> retries_of(FidoSession& s) {
  auto r = s.pin_retries();
  return r ? std::optional<int>(*r) : std::nullopt;
}

// CTAP 2.1 (authenticatorClientPIN, setPIN): a PIN is UTF-8 of at least 4 Unicode code points — or the
// key's minPINLength from getInfo, for a new PIN — and at most 63 bytes. A PIN outside these bounds can
// never be right, so it is a usage error before anything is sent (a current PIN is held to the CTAP
// minimum only: a key may raise its minimum after a PIN was set).
constexpr size_t kCtapMinPinCodePoints = 4, kCtapMaxPinBytes = 63;

// Code points of strict UTF-8 (no overlong forms, surrogates or values past U+10FFFF); nullopt when `s` is
// not UTF-8 or holds a NUL, which libfido2's C string would silently cut.
std::optional<size_t> utf8_code_points(std::string_view s) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++count) {
    const auto b = static_cast<uint8_t>(s[i]);
    if (b == 0x00) return std::nullopt;
    const size_t n = b < 0x80             ? 1
                     : (b & 0xE0) == 0xC0 ? 2
                     : (b & 0xF0) == 0xE0 ? 3
                     : (b & 0xF8) == 0xF0 ? 4
                                          : 0;
    if (n == 0 || i + n > s.size()) return std::nullopt;
    uint32_t cp = n == 1 ? b : b & (0xFF >> (n + 1));
    for (size_t k = 1; k < n; ++k) {
      const auto c = static_cast<uint8_t>(s[i + k]);
      if ((c & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (c & 0x3F);
    }
    static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kSmallest[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    i += n;
  }
  return count;
}

Status check_fido_pin_format(std::string_view pin, size_t min_code_points, std::string_view which) {
  const auto code_points = utf8_code_points(pin);
  if (!code_points || *code_points < min_code_points || pin.size() > kCtapMaxPinBytes)
    return Error::make(ErrorKind::kUsage,
                       std::string(which) + " must be UTF-8 of " + std::to_string(min_code_points) + " to " +
                           std::to_string(kCtapMaxPinBytes) +
                           " bytes (at least that many characters); nothing was sent to the key");
  return {};
}

// The key's own minimum for a new PIN (getInfo minPINLength, CTAP 2.1), never below CTAP's.
size_t new_pin_minimum(const host::fido::FidoInfo& info) {
  return std::max<size_t>(kCtapMinPinCodePoints, static_cast<size_t>(info.min_pin_length));
}

// No PUK ever exists for FIDO, so the interlock's floor is the stricter one.
Status check_fido_attempt(std::optional<int> retries, bool force) {
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
  // The PIN's form first: a malformed one is a usage error before the FIDO link is even opened.
  auto pin = ctx.secret("pin", "FIDO PIN");
  if (!pin) return pin.error();
  KD_TRY(check_fido_pin_format(*pin, kCtapMinPinCodePoints, "the FIDO PIN"));
  auto opened = open_fido(ctx, *token);
  if (!opened) return opened.error();
  auto& session = *opened->session;
  auto info = session.info();
  if (!info) return info.error();
  const auto before = retries_of(session);
  // With no FIDO PIN there is no counter to spend: the attempt is the PIN_NOT_SET answer itself. (Should
  // another client set a PIN in between, it is a real attempt, and the retries before and after say so.)
  if (info->option("clientPin") != false) KD_TRY(check_fido_attempt(before, ctx.args().has("force")));
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
  // Whether a current PIN is needed depends on the key; one given is checked before anything is sent.
  std::optional<std::string> current;
  if (ctx.args().has("pin")) {
    auto p = ctx.secret("pin", "Current FIDO PIN");
    if (!p) return p.error();
    KD_TRY(check_fido_pin_format(*p, kCtapMinPinCodePoints, "the current FIDO PIN"));
    current = std::move(p).value();
  }
  auto fresh = ctx.secret("new-pin", "New FIDO PIN");
  if (!fresh) return fresh.error();
  KD_TRY(check_fido_pin_format(*fresh, kCtapMinPinCodePoints, "the new FIDO PIN"));
  auto opened = open_fido(ctx, *token);
  if (!opened) return opened.error();
  auto& session = *opened->session;
  auto info = session.info();
  if (!info) return info.error();
  // The key's own minimum needs its getInfo; still nothing but reads has been sent.
  KD_TRY(check_fido_pin_format(*fresh, new_pin_minimum(*info), "the new FIDO PIN"));
  const bool pin_set = info->option("clientPin") == true;
  if (pin_set && !current) {
    auto p = ctx.secret("pin", "Current FIDO PIN");
    if (!p) return p.error();
    KD_TRY(check_fido_pin_format(*p, kCtapMinPinCodePoints, "the current FIDO PIN"));
    current = std::move(p).value();
  }
  const auto before = retries_of(session);
  if (pin_set) KD_TRY(check_fido_attempt(before, ctx.args().has("force")));
  const Status done = pin_set ? session.change_pin(*current, *fresh) : session.set_pin(*fresh);
  CommandResult result;
  result.output.json["Operation"] = pin_set ? "change" : "set";
  if (!done && done.error().kind != ErrorKind::kCtap) return done.error();
  add_attempt(result, done ? 0x00 : static_cast<uint8_t>(done.error().code), before, retries_of(session));
  return result;
}

}  // namespace keydesk::cli
