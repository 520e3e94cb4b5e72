#include "host/trace.h"

#include "iso7816/secret_mask.h"

namespace keydesk::host {

namespace {

std::string trace_apdu(const CommandApdu& c, const ResponseApdu& r) {
  return "> " + iso7816::describe_masked(c) + "  < " + iso7816::describe_masked(c, r);
}

}  // namespace

Result<Bytes> TracingTransport::transmit(ByteView command) {
  auto response = inner_.transmit(command);
  if (!response && response.error().kind == ErrorKind::kRefused) {
    ++refused_;
  } else {
    ++sent_;
  }
  if (!sink_) return response;
  auto parsed = iso7816::parse_command(command);
  auto answer = response ? iso7816::parse_response(*response) : Result<ResponseApdu>(response.error());
  if (parsed && answer) {
    sink_(trace_apdu(*parsed, *answer));
  } else {
    sink_("> " + iso7816::describe_masked_raw(command) + "  < " +
          (answer ? std::string("(unparsed)") : describe(answer.error())));
  }
  return response;
}

}  // namespace keydesk::host
