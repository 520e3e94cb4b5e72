#include "provision/channel_link.h"

namespace keydesk::provision {

ChannelLink::~ChannelLink() {
  nfcctap_.reset();
}

Result<host::fido::FidoSession*> ChannelLink::fido() {
  nfcctap_.reset();
  KD_ASSIGN_OR_RETURN(const access::FidoLinks links, access::fido_links_from_environment());
  if (links.pcsc && !channel_.token().reader.empty()) {
    KD_ASSIGN_OR_RETURN(transport::ApduTransport * card, channel_.card_transport());
    auto s = host::fido::FidoSession::open_pcsc(*card);
    if (s) {
      nfcctap_ = std::move(s).value();
      return nfcctap_.get();
    }
    // The token went away or stopped answering: its other interfaces are not worth waiting for.
    if (s.error().kind == ErrorKind::kTimeout || s.error().kind == ErrorKind::kTokenRemoved) return s.error();
  }
  KD_ASSIGN_OR_RETURN(access::FidoLink * other, channel_.fido());
  return other->session.get();
}

}  // namespace keydesk::provision
