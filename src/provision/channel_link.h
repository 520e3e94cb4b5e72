// A provisioning run's way to a real token: the access layer's Channel opened for kWritesSecrets
// (access/channel.h: the reader, one transaction for the run, the trace with secrets masked).
#pragma once

#include <memory>
#include <string>

#include "access/channel.h"
#include "provision/token_link.h"

namespace keydesk::provision {

// Over the card link (NFCCTAP) the FIDO session is opened afresh whenever a step needs one, because opening
// selects the FIDO applet and the other steps select theirs in between; a USB HID or CTAPHID socket session
// does not share the card link and is kept (the channel's).
class ChannelLink final : public TokenLink {
 public:
  explicit ChannelLink(access::Channel& channel) : channel_(channel) {}
  ~ChannelLink() override;

  Result<host::ApduConnection*> card() override { return channel_.card(); }
  Result<host::fido::FidoSession*> fido() override;
  std::string where() const override { return channel_.token().reader; }

 private:
  access::Channel& channel_;
  std::unique_ptr<host::fido::FidoSession> nfcctap_;
};

}  // namespace keydesk::provision
