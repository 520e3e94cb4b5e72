#include "cli/app.h"

#include <ostream>

#include "cli/arguments.h"
#include "cli/context.h"
#include "cli/exit_codes.h"

namespace keydesk::cli {
namespace {

// The one place a typed error becomes words for the user (core's describe()), on stderr or as JSON.
int report_error(const Error& error, bool as_json, Streams& s) {
  const ExitCode code = exit_code_for(error);
  if (as_json) {
    nlohmann::ordered_json j{{"error",
                              {{"kind", error_kind_name(error.kind)},
                               {"message", describe(error)},
                               {"exit_code", static_cast<int>(code)}}}};
    if (error.kind == ErrorKind::kStatusWord || error.kind == ErrorKind::kCtap)
      j["error"]["code"] = error.code;
    s.out << j.dump(2) << "\n";
  } else {
    s.err << "keydesk: " << describe(error) << "\n";
  }
  return static_cast<int>(code);
}

}  // namespace

int run_keydesk(const std::vector<std::string>& args, host::TokenSource& tokens, Streams streams) {
  const bool wants_json = std::find(args.begin(), args.end(), "--json") != args.end();
  auto parsed = parse_arguments(args);
  if (!parsed) {
    streams.err << usage_text();
    return report_error(parsed.error(), wants_json, streams);
  }
  if (!parsed->command) {
    streams.out << usage_text();
    return static_cast<int>(ExitCode::kSuccess);
  }
  SecretReader secrets(streams.in, streams.in_is_terminal);
  Context ctx(std::move(parsed).value(), tokens, secrets, streams.err);
  auto result = ctx.args().command->handler(ctx);
  if (!result) return report_error(result.error(), ctx.args().json, streams);
  render(result->output, ctx.args().json, streams.out);
  return static_cast<int>(result->code);
}

}  // namespace keydesk::cli
