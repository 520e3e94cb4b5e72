// One token, opened for one declared effect (access/effect.h): the only way the CLI, a help-desk request or a
// provisioning step reaches a token. The effect decides what the channel is made of, so code running on it
// cannot forget to be safe:
//
//   card link:  the reader -> one transaction for the channel's life -> the read-only guard (kReadOnly,
//               always: transport/readonly_guard.h) -> the trace (host/trace.h: secrets masked; it also
//               counts what reached the token) -> an ISO 7816 connection
//   FIDO link:  the card link (NFCCTAP) first, then the token's USB HID device, then keydesk-sim's CTAPHID
//               socket; on a kReadOnly channel every CTAP request on every link is judged by
//               admit_read_only_ctap before it leaves the host
//
// Both are opened on first use, so a FIDO-only operation over the CTAPHID socket opens no card link, and
// FIDO over NFCCTAP shares the card link's transaction, guard and trace. A kLocal channel opens nothing.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "access/effect.h"
#include "access/token_discovery.h"
#include "host/apdu_connection.h"
#include "host/fido/fido_session.h"
#include "host/trace.h"
#include "transport/deadline_runner.h"
#include "transport/readonly_guard.h"

namespace keydesk::access {

// Which FIDO links may be tried, in the order pcsc (NFCCTAP over the card link), hid, socket.
struct FidoLinks {
  bool pcsc = true, hid = true, socket = true;
  std::string socket_path;  // keydesk-sim's CTAPHID socket; empty: none
};
// $KEYDESK_FIDO_LINK (pcsc, hid or socket) restricts the choice to that one link, $KEYDESK_FIDO_SOCKET names
// the socket (docs/cli.md, "Which FIDO link"). Any other value of KEYDESK_FIDO_LINK is kUsage.
Result<FidoLinks> fido_links_from_environment();

// Where the masked trace lines go; empty: no trace.
using TraceSink = host::TracingTransport::Sink;

struct ChannelOptions {
  TraceSink trace;
  // How long any one call to the token may take before it fails with kTimeout (docs/cli.md, "Timeouts").
  std::chrono::milliseconds deadline = transport::kDefaultDeadline;
  // A bad choice surfaces only when a FIDO link is opened: an operation that never reaches FIDO runs.
  Result<FidoLinks> fido_links = FidoLinks{};
};

// An open FIDO session and the link it runs on ("PC/SC (NFCCTAP)", "USB HID", "CTAPHID socket").
struct FidoLink {
  std::unique_ptr<host::fido::FidoSession> session;
  std::string transport;
};

class Channel {
 public:
  Channel(TokenSource& tokens, TokenInfo token, Effect effect, ChannelOptions options = {});
  ~Channel();  // closes the FIDO session, then ends the card link's transaction
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  Effect effect() const { return effect_; }
  const TokenInfo& token() const { return token_; }

  // The card link as described above, opened on first use. kNoToken when the token has no card interface.
  Result<transport::ApduTransport*> card_transport();
  // An ISO 7816 connection over card_transport().
  Result<host::ApduConnection*> card();
  // The FIDO session, opened on first use over the first link that answers; kNoToken naming what each
  // link said when none does. A failed open is tried again by the next call.
  Result<FidoLink*> fido();

  // Commands that reached the token over the card link (FIDO over NFCCTAP included).
  uint64_t apdus_sent() const { return traced_ ? traced_->sent() : 0; }
  // Commands the read-only guard refused on the card link.
  uint64_t guard_refusals() const { return guard_ ? guard_->refused_count() : 0; }
  // CTAP requests the read-only CTAP rule refused on any FIDO link.
  uint64_t ctap_refusals() const { return *ctap_refused_; }

 private:
  TokenSource& tokens_;
  TokenInfo token_;
  Effect effect_;
  ChannelOptions options_;
  std::unique_ptr<transport::ApduTransport> link_;
  std::unique_ptr<transport::ReadOnlyGuard> guard_;
  std::unique_ptr<host::TracingTransport> traced_;
  std::unique_ptr<host::ApduConnection> connection_;
  std::shared_ptr<uint64_t> ctap_refused_ = std::make_shared<uint64_t>(0);
  std::optional<FidoLink> fido_;
};

// A channel whose card link is open (open_card) or whose FIDO session is open (open_fido): for callers that
// want the failure to open up front.
Result<std::unique_ptr<Channel>> open_card(TokenSource& tokens, const TokenInfo& token, Effect effect,
                                           ChannelOptions options = {});
Result<std::unique_ptr<Channel>> open_fido(TokenSource& tokens, const TokenInfo& token, Effect effect,
                                           ChannelOptions options = {});

}  // namespace keydesk::access
