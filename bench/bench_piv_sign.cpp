// PIV signatures per second through the whole in-process stack (PivSession -> ApduConnection -> Card ->
// PivApplet, including the state comparison after every command) against the raw OpenSSL signature of
// the same key type as the peer: the ratio is what the simulated card costs on top of the cryptography.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include "card/card.h"
#include "card/piv/piv_applet.h"
#include "crypto/digest.h"
#include "crypto/ec_key.h"
#include "crypto/rsa_key.h"
#include "host/piv/piv_session.h"
#include "testing/loopback_transport.h"

namespace {
using namespace keydesk;

const Bytes kDefaultKey = *from_hex("010203040506070801020304050607080102030405060708");

// A yubikey5-like token whose 9E slot (no PIN, no touch) holds a freshly generated key.
class PivBenchToken {
 public:
  explicit PivBenchToken(protocol::piv::Algorithm algorithm) {
    card_.emplace_applet<card::piv::PivApplet>();
    const nlohmann::json doc = {
        {"card", {{"atr", "3b8d80018073c021c057597562694b6579f9"}, {"serial", 1234567}}},
        {"security", {{"pin", {{"text", "123456"}}}, {"puk", {{"text", "12345678"}}}}},
        {"applets", {{"piv", nlohmann::json::object()}}}};
    if (!card_.load(doc).ok() || !session_.select().ok() ||
        !session_.authenticate(crypto::BlockCipher::kTdes, kDefaultKey).ok() ||
        !session_.generate_key(protocol::piv::kSlotCardAuthentication, algorithm).ok())
      std::abort();
  }
  host::piv::PivSession& piv() { return session_; }

 private:
  card::Card card_;
  keydesk::testing::LoopbackTransport transport_{card_};
  host::ApduConnection connection_{transport_};
  host::piv::PivSession session_{connection_};
};

void BM_PivSignEccP256(benchmark::State& state) {
  PivBenchToken token(protocol::piv::Algorithm::kEccP256);
  const Bytes digest = crypto::hash(crypto::HashAlg::kSha256, bytes_of("bench"));
  for (auto _ : state) {
    auto sig =
        token.piv().sign(protocol::piv::kSlotCardAuthentication, protocol::piv::Algorithm::kEccP256, digest);
    if (!sig) state.SkipWithError("sign failed");
    benchmark::DoNotOptimize(sig);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PivSignEccP256);

void BM_OpenSslSignEccP256(benchmark::State& state) {
  const auto key = crypto::EcKey::generate(crypto::Curve::kP256);
  const Bytes digest = crypto::hash(crypto::HashAlg::kSha256, bytes_of("bench"));
  for (auto _ : state) benchmark::DoNotOptimize(key.sign_digest(digest));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OpenSslSignEccP256);

void BM_PivSignRsa2048(benchmark::State& state) {
  PivBenchToken token(protocol::piv::Algorithm::kRsa2048);
  Bytes block(256, 0xFF);  // an EMSA-PKCS1-v1_5 shaped block: 00 01 FF.. 00 <digest>
  block[0] = 0x00;
  block[1] = 0x01;
  block[200] = 0x00;
  for (auto _ : state) {
    auto sig =
        token.piv().sign(protocol::piv::kSlotCardAuthentication, protocol::piv::Algorithm::kRsa2048, block);
    if (!sig) state.SkipWithError("sign failed");
    benchmark::DoNotOptimize(sig);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PivSignRsa2048);

void BM_OpenSslSignRsa2048(benchmark::State& state) {
  auto key = crypto::RsaKey::generate(2048);
  if (!key) std::abort();
  Bytes block(256, 0xFF);
  block[0] = 0x00;
  block[1] = 0x01;
  block[200] = 0x00;
  for (auto _ : state) benchmark::DoNotOptimize(key->raw_private(block));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OpenSslSignRsa2048);

}  // namespace

BENCHMARK_MAIN();
