#include "access/channel.h"

#include <cstdlib>
#include <string_view>

namespace keydesk::access {
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

Error no_token_access(Effect effect) {
  return Error::make(ErrorKind::kInternal,
                     std::string("an operation declared '") + effect_name(effect) + "' asked for the token");
}

}  // namespace

Result<FidoLinks> fido_links_from_environment() {
  FidoLinks links;
  if (const char* socket = std::getenv("KEYDESK_FIDO_SOCKET")) links.socket_path = socket;
  const char* named = std::getenv("KEYDESK_FIDO_LINK");
  if (!named || !*named) return links;
  const std::string_view link(named);
  if (link != "pcsc" && link != "hid" && link != "socket")
    return Error::make(ErrorKind::kUsage,
                       "KEYDESK_FIDO_LINK must be pcsc, hid or socket, not '" + std::string(link) + "'");
  links.pcsc = link == "pcsc";
  links.hid = link == "hid";
  links.socket = link == "socket";
  return links;
}

Channel::Channel(TokenSource& tokens, TokenInfo token, Effect effect, ChannelOptions options)
    : tokens_(tokens), token_(std::move(token)), effect_(effect), options_(std::move(options)) {}

Channel::~Channel() {
  // The FIDO session may run on the card link: it goes first, then the transaction ends.
  fido_.reset();
  connection_.reset();
  if (link_) link_->end_transaction();
}

Result<transport::ApduTransport*> Channel::card_transport() {
  if (traced_) return traced_.get();
  if (effect_ == Effect::kLocal) return no_token_access(effect_);
  if (token_.reader.empty())
    return Error::make(ErrorKind::kNoToken,
                       "token " + std::to_string(token_.index) + " has no smart card interface");
  auto link = tokens_.open_card(token_);
  if (!link) return link.error();
  link_ = std::move(link).value();
  // One transaction for the whole channel: no other program interleaves APDUs.
  if (auto begun = link_->begin_transaction(); !begun) return begun.error();
  transport::ApduTransport* path = link_.get();
  if (effect_ == Effect::kReadOnly) {
    guard_ = std::make_unique<transport::ReadOnlyGuard>(*link_);
    path = guard_.get();
  }
  traced_ = std::make_unique<host::TracingTransport>(*path, options_.trace);
  return traced_.get();
}

Result<host::ApduConnection*> Channel::card() {
  if (connection_) return connection_.get();
  KD_ASSIGN_OR_RETURN(transport::ApduTransport * link, card_transport());
  connection_ = std::make_unique<host::ApduConnection>(*link);
  return connection_.get();
}

Result<FidoLink*> Channel::fido() {
  if (fido_) return &*fido_;
  if (effect_ == Effect::kLocal) return no_token_access(effect_);
  if (!options_.fido_links) return options_.fido_links.error();
  const FidoLinks& links = *options_.fido_links;
  const CtapHook hook = effect_ == Effect::kReadOnly ? read_only_hook(ctap_refused_) : CtapHook{};
  FidoSession::set_timeout(options_.deadline);
  std::string problems;
  auto note = [&](const std::string& p) { problems += (problems.empty() ? "" : "; ") + p; };
  if (links.pcsc && !token_.reader.empty()) {
    KD_ASSIGN_OR_RETURN(transport::ApduTransport * link, card_transport());
    auto s = FidoSession::open_pcsc(*link, hook);
    if (s) return &fido_.emplace(FidoLink{std::move(s).value(), "PC/SC (NFCCTAP)"});
    // The token went away or stopped answering: its other interfaces are not worth waiting for.
    if (s.error().kind == ErrorKind::kTimeout || s.error().kind == ErrorKind::kTokenRemoved) return s.error();
    note("no FIDO applet on the smart card interface (" + describe(s.error()) + ")");
  }
  if (links.hid) {
    if (!token_.fido_path.empty()) {
      auto s = FidoSession::open_hid(token_.fido_path, hook);
      if (s) return &fido_.emplace(FidoLink{std::move(s).value(), "USB HID"});
      note("USB HID " + token_.fido_path + ": " + describe(s.error()));
    } else if (auto p = tokens_.fido_problem(); !p.empty()) {
      note(p);
    } else {
      note(
          "no USB HID FIDO interface belongs to this token (a hub or adapter may expose only the card "
          "interface)");
    }
  }
  if (links.socket && !links.socket_path.empty()) {
    auto s = FidoSession::open_socket(links.socket_path, hook);
    if (s) return &fido_.emplace(FidoLink{std::move(s).value(), "CTAPHID socket"});
    note("CTAPHID socket " + links.socket_path + ": " + describe(s.error()));
  } else if (links.socket && !links.pcsc && !links.hid) {
    note("KEYDESK_FIDO_LINK=socket needs KEYDESK_FIDO_SOCKET (the path of keydesk-sim's CTAPHID socket)");
  }
  if (problems.empty()) problems = "no FIDO link of the kind KEYDESK_FIDO_LINK names belongs to this token";
  return Error::make(ErrorKind::kNoToken, problems);
}

Result<std::unique_ptr<Channel>> open_card(TokenSource& tokens, const TokenInfo& token, Effect effect,
                                           ChannelOptions options) {
  auto channel = std::make_unique<Channel>(tokens, token, effect, std::move(options));
  KD_TRY(channel->card());
  return channel;
}

Result<std::unique_ptr<Channel>> open_fido(TokenSource& tokens, const TokenInfo& token, Effect effect,
                                           ChannelOptions options) {
  auto channel = std::make_unique<Channel>(tokens, token, effect, std::move(options));
  KD_TRY(channel->fido());
  return channel;
}

}  // namespace keydesk::access
