// The tokens of this machine: PC/SC readers (pcscd) holding a card, merged with USB HID FIDO devices
// (libfido2's enumeration). What a program that talks to real keys passes wherever a TokenSource is asked
// for; tests pass an in-process one instead.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "access/token_discovery.h"

namespace keydesk::access {

std::unique_ptr<TokenSource> make_system_token_source();

// USB HID FIDO devices as libfido2 enumerates them; `problem` says plainly why some or all could not be
// seen (no /dev/hidraw*, permission denied), empty when nothing is in the way.
std::vector<FidoDevice> list_fido_devices(std::string& problem);

}  // namespace keydesk::access
