#include "cli/app.h"

#include <algorithm>
#include <ostream>

#include "cli/command_line.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "core/text.h"
#include "report/documents.h"

namespace keydesk::cli {
namespace {

// The one place a typed error becomes words for the user (core's describe()), on stderr or as JSON, and
// an exit code.
int report_error(const Error& error, bool as_json, Streams& s) {
  const auto code = static_cast<int>(exit_code_for(error));
  if (as_json)
    s.out << dump_json(report::error_json(error, code), 2) << "\n";
  else
    s.err << "keydesk: " << terminal_text(describe(error)) << "\n";
  return code;
}

int run_command(const std::vector<std::string>& args, access::TokenSource& tokens, Streams& streams) {
  const bool wants_json = std::find(args.begin(), args.end(), "--json") != args.end();
  auto parsed = parse_command_line(args);
  if (!parsed) {
    streams.err << help_for(args);
    return report_error(parsed.error(), wants_json, streams);
  }
  if (!parsed->command) {
    streams.out << parsed->help;
    return static_cast<int>(ExitCode::kSuccess);
  }
  tokens.set_deadline(parsed->timeout);
  SecretReader secrets(streams.in, streams.in_is_terminal);
  Context ctx(std::move(parsed).value(), tokens, secrets, streams.err);
  auto result = ctx.args().command->handler(ctx);
  if (!result) return report_error(result.error(), ctx.args().json, streams);
  render(result->output, ctx.args().json, streams.out);
  return static_cast<int>(exit_code_for(result->outcome));
}

}  // namespace

int run_keydesk(const std::vector<std::string>& args, access::TokenSource& tokens, Streams streams) {
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
