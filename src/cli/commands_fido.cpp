// fido-props-get: getInfo and getPINRetries, read-only (fido-cred-list, fido-pin-change: fido_link.cpp).
#include "cli/context.h"
#include "cli/fido_link.h"
#include "cli/handlers.h"
#include "cli/snapshot_json.h"

namespace keydesk::cli {

Result<CommandResult> run_fido_props_get(Context& ctx) {
  auto token = ctx.token();
  if (!token) return token.error();
  auto reader = make_fido_state_reader(ctx, *token);
  const auto state = reader->read();
  if (!state.reachable) return Error::make(ErrorKind::kNoToken, "FIDO: " + state.unreachable_reason);
  CommandResult result;
  result.output.json = fido_json(state);
  ojson shown = result.output.json;
  shown.erase("Reachable");
  result.output.tables.push_back(properties_table(shown));
  return result;
}

}  // namespace keydesk::cli
