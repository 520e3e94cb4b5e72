// CTAPHID reassembly as the host reads an authenticator's reports (src/protocol/ctaphid.h, used by
// src/host/fido/device_links.cpp under libfido2, where every CBOR response is shown to the read-only CTAP
// rule and the trace). The input is a sequence of 64-byte reports from a hostile device. Invariants: a
// completed message is exactly as long as its init packet announced (never more than kMaxPayload) and
// is the concatenation of the reports' data in sequence order; a continuation out of order never
// completes a message; framing a payload and reassembling it gives it back.
#include <cstdlib>

#include "protocol/ctaphid.h"

using namespace keydesk;
namespace hid = keydesk::protocol::ctaphid;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hid::Message message;
  for (size_t offset = 0; offset + hid::kPacketSize <= size; offset += hid::kPacketSize) {
    const ByteView report(data + offset, hid::kPacketSize);
    const hid::Message::Step step = hid::is_init(report) ? message.start(report) : message.add(report);
    if (step == hid::Message::Step::kComplete) {
      if (message.payload().size() > hid::kMaxPayload) std::abort();
      // Round trip: the payload framed again on its channel reassembles to itself.
      hid::Message again;
      hid::Message::Step last = hid::Message::Step::kIgnored;
      for (const auto& packet : hid::frame(message.cid(), message.command(), message.payload())) {
        const ByteView p(packet.data(), packet.size());
        last = hid::is_init(p) ? again.start(p) : again.add(p);
      }
      if (last != hid::Message::Step::kComplete || again.payload() != message.payload()) std::abort();
      message.reset();
    }
    if (step == hid::Message::Step::kOutOfSequence && message.active()) std::abort();
  }
  return 0;
}
