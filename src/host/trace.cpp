#include "host/trace.h"

namespace keydesk::host {

Result<Bytes> TracingTransport::transmit(ByteView command) {
  auto response = inner_.transmit(command);
  if (!response && response.error().kind == ErrorKind::kRefused) {
    ++refused_;
  } else {
    ++sent_;
  }
  // The applet the command reached decides its masking; a SELECT it answers moves the next one.
  const protocol::AppletId applet = selection_.selected();
  if (response) selection_.observe(command, *response);
  if (!sink_) return response;
  auto parsed = iso7816::parse_command(command);
  auto answer = response ? iso7816::parse_response(*response) : Result<ResponseApdu>(response.error());
  std::string line = "> ";
  if (parsed && answer) {
    line += protocol::describe_masked(*parsed, applet);
    line += "  < ";
    line += protocol::describe_masked(*parsed, *answer, applet);
  } else {
    line += protocol::describe_masked_raw(command, applet);
    line += "  < ";
    line += answer ? std::string("(unparsed)") : describe(answer.error());
  }
  sink_(line);
  return response;
}

}  // namespace keydesk::host
