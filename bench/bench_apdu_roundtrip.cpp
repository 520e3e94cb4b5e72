// APDU round-trip time: in process (LoopbackTransport straight into the Card) and through the real stack
// (PcscTransport -> pcscd -> vpcd -> keydesk-sim). The PC/SC half needs a running stack; run it through
// bench/run_apdu_roundtrip.sh, which starts one in its own namespace and sets KEYDESK_BENCH_READER.
// Without a reader only the in-process figure is measured. Both use the same APDU (CPLC GET DATA, no
// state change), so the ratio is the cost of pcscd + vpcd + the sim's socket.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>

#include "card/card.h"
#include "testing/loopback_transport.h"
#include "token/standard_token.h"
#include "transport/deadline_runner.h"
#include "transport/pcsc_transport.h"

namespace {
using namespace keydesk;

const Bytes kCplcRequest = *from_hex("80CA9F7F00");

void round_trips(benchmark::State& state, transport::ApduTransport& transport) {
  for (auto _ : state) {
    auto response = transport.transmit(kCplcRequest);
    if (!response || response->size() != 47) {
      state.SkipWithError("CPLC request failed");
      return;
    }
    benchmark::DoNotOptimize(response->data());
  }
  // Wall-clock microseconds per APDU (the benchmarks use real time: the PC/SC half waits on other processes).
  state.counters["us_per_apdu"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 1e-6,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_ApduRoundTrip_InProcess(benchmark::State& state) {
  card::Card card;
  const card::json doc = {{"card", {{"atr", "3b8d80018073c021c057597562694b6579f9"}}},
                          {"applets", {{"oath", card::json::object()}}}};
  token::install_standard_applets(card, doc);
  if (!card.load(doc)) {
    state.SkipWithError("card did not load");
    return;
  }
  keydesk::testing::LoopbackTransport loopback(card);
  round_trips(state, loopback);
}
BENCHMARK(BM_ApduRoundTrip_InProcess)->UseRealTime();

// What the deadline costs each PC/SC call (transport/deadline_runner.h): the hand-off of an empty call to
// the link's thread and back, to set against the PC/SC round trip below.
void BM_DeadlineRunnerHandOff(benchmark::State& state) {
  transport::DeadlineRunner runner(transport::kDefaultDeadline);
  auto counter = std::make_shared<uint64_t>(0);
  for (auto _ : state) {
    if (!runner.run([counter] { ++*counter; }, "bench")) {
      state.SkipWithError("the runner timed out");
      return;
    }
  }
  state.counters["us_per_call"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 1e-6,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_DeadlineRunnerHandOff)->UseRealTime();

void BM_ApduRoundTrip_PcscVpcdSim(benchmark::State& state) {
  const char* reader = std::getenv("KEYDESK_BENCH_READER");
  if (!reader) {
    state.SkipWithError("KEYDESK_BENCH_READER not set (run bench/run_apdu_roundtrip.sh)");
    return;
  }
  auto transport = transport::PcscTransport::connect(reader);
  if (!transport) {
    state.SkipWithError(describe(transport.error()).c_str());
    return;
  }
  round_trips(state, **transport);
}
BENCHMARK(BM_ApduRoundTrip_PcscVpcdSim)->MinTime(2.0)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
