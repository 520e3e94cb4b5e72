// CTAPHID reassembler: the input is a sequence of 64-byte reports (the last partial one padded) fed to
// one device, with a clock that advances between reports so timeouts fire too. Every response must be
// whole packets; no input may crash or hang it. The device speaks U2F (NMSG clear), so CTAPHID_MSG is
// reassembled and answered too.
#include <cstdlib>

#include "card/fido/ctaphid.h"

using keydesk::card::fido::ctaphid::CtaphidDevice;
using keydesk::card::fido::ctaphid::kPacketSize;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keydesk::card::fido::ctaphid;
  CtaphidDevice device(
      [](keydesk::ByteView request) { return keydesk::Bytes(request.begin(), request.end()); }, {5, 4, 3},
      kCapabilityWink | kCapabilityCbor,
      [](keydesk::ByteView request) {
        keydesk::Bytes r(request.begin(), request.end());
        r.insert(r.end(), {0x90, 0x00});
        return r;
      });
  auto now = CtaphidDevice::Clock::time_point{};
  for (size_t offset = 0; offset < size; offset += kPacketSize) {
    keydesk::Bytes report(kPacketSize, 0);
    const size_t n = std::min(kPacketSize, size - offset);
    std::copy_n(data + offset, n, report.begin());
    now += std::chrono::milliseconds(report[63] * 4);  // up to ~1 s: sometimes past the timeout
    if (auto r = device.receive(report, now); r && r->packets.size() > 129) std::abort();
    (void)device.expire(now);
  }
  return 0;
}
