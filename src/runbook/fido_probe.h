// The FIDO side of a diagnosis and of fido-props-get: getInfo and, where a PIN is set, getPINRetries on the
// channel's FIDO session - nothing that carries a PIN. On a read-only channel (access/channel.h) every CTAP
// request is judged by the read-only CTAP rule, and what it refused is counted in the state.
#pragma once

#include <memory>
#include <string>

#include "access/channel.h"
#include "runbook/diagnose.h"

namespace keydesk::runbook {

// A FidoState from what getInfo and getPINRetries said, on the link named `transport`.
FidoState fido_state_of(const host::fido::FidoInfo& info, std::string transport);

// Reads over `channel`'s FIDO session, opening it on the first read; read_again() asks the same session once
// more (no new SELECT or CTAPHID channel). An unreachable FIDO interface is a state with the reason; a link
// that failed while being read (timeout, removal) is its link_failure. The channel must outlive the reader.
std::unique_ptr<FidoStateReader> make_fido_state_reader(access::Channel& channel);

}  // namespace keydesk::runbook
