#include "cli/app.h"

#include <ostream>

#include "cli/arguments.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "core/text.h"

namespace keydesk::cli {
namespace {

// The one place a typed error becomes words for the user (core's describe()), on stderr or as JSON.
int report_error(const Error& error, bool as_json, Streams& s) {
  const ExitCode code = exit_code_for(error);
  if (as_json) {
    // Messages quote arguments and names through quoted_text() (valid UTF-8, escaped); terminal_text here
    // as well keeps any context that was missed printable.
    nlohmann::ordered_json j{{"error",
                              {{"kind", error_kind_name(error.kind)},
                               {"message", terminal_text(describe(error))},
                               {"exit_code", static_cast<int>(code)}}}};
    if (error.kind == ErrorKind::kStatusWord || error.kind == ErrorKind::kCtap)
      j["error"]["code"] = error.code;
    s.out << dump_json(j, 2) << "\n";
  } else {
    s.err << "keydesk: " << terminal_text(describe(error)) << "\n";
  }
  return static_cast<int>(code);
}

int run_command(const std::vector<std::string>& args, host::TokenSource& tokens, Streams& streams) {
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
  tokens.set_deadline(parsed->timeout);
  SecretReader secrets(streams.in, streams.in_is_terminal);
  Context ctx(std::move(parsed).value(), tokens, secrets, streams.err);
  auto result = ctx.args().command->handler(ctx);
  if (!result) return report_error(result.error(), ctx.args().json, streams);
  render(result->output, ctx.args().json, streams.out);
  return static_cast<int>(result->code);
}

}  // namespace

int run_keydesk(const std::vector<std::string>& args, host::TokenSource& tokens, Streams streams) {
  const bool wants_json = std::find(args.begin(), args.end(), "--json") != args.end();
  // The edge: whatever escapes a command (a library's exception, an allocation failure) becomes a
  // typed internal error with an exit code, never an abort.
  try {
    return run_command(args, tokens, streams);
  } catch (const std::exception& e) {
    return report_error(Error::make(ErrorKind::kInternal, std::string("unexpected failure: ") + e.what()),
                        wants_json, streams);
  } catch (...) {
    return report_error(Error::make(ErrorKind::kInternal, "unexpected failure"), wants_json, streams);
  }
}

}  // namespace keydesk::cli
