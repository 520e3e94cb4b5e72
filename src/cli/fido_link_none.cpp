#include "cli/fido_link.h"
#include "cli/handlers.h"

namespace keydesk::cli {
namespace {

// Stands in where this keydesk was built without libfido2: FIDO is then unreachable, and says why.
class NoFido final : public runbook::FidoStateReader {
 public:
  runbook::FidoState read() override {
    runbook::FidoState s;
    s.unreachable_reason = "this keydesk was built without libfido2 (install libfido2-dev and rebuild)";
    return s;
  }
};

Error no_fido() {
  return Error::make(ErrorKind::kNotSupported, "this keydesk was built without libfido2");
}

}  // namespace

std::vector<host::FidoDevice> list_fido_devices(std::string& problem) {
  problem = "this keydesk was built without libfido2: FIDO devices are not listed";
  return {};
}

std::unique_ptr<runbook::FidoStateReader> make_fido_state_reader(Context&, const host::TokenInfo&) {
  return std::make_unique<NoFido>();
}

Result<std::vector<std::string>> reset_fido(Context&, const host::TokenInfo&) {
  return no_fido();
}
Result<CommandResult> run_fido_cred_list(Context&) {
  return no_fido();
}
Result<CommandResult> run_fido_pin_change(Context&) {
  return no_fido();
}

}  // namespace keydesk::cli
