// The FIDO interface of the addressed token for the CLI: libfido2 over USB HID, the PC/SC bridge, or
// keydesk-sim's CTAPHID socket ($KEYDESK_FIDO_SOCKET), with every CTAP request of a read-only command
// judged by ReadOnlyCtapPolicy.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/context.h"
#include "runbook/diagnose.h"

namespace keydesk::cli {

// USB HID FIDO devices; `problem` says plainly why some or all could not be seen (no /dev/hidraw*,
// permission denied, built without libfido2).
std::vector<host::FidoDevice> list_fido_devices(std::string& problem);
std::unique_ptr<runbook::FidoStateReader> make_fido_state_reader(Context& ctx, const host::TokenInfo& token);
Result<std::vector<std::string>> reset_fido(Context& ctx, const host::TokenInfo& token);

}  // namespace keydesk::cli
