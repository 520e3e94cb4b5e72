// The tokens of this machine: PC/SC readers (pcscd) holding a card, merged with USB HID FIDO devices.
#pragma once

#include <memory>

#include "host/token_discovery.h"

namespace keydesk::cli {

std::unique_ptr<host::TokenSource> make_system_token_source();

}  // namespace keydesk::cli
