// In-process throughput of the simulated authenticator: makeCredential, getAssertion and a clientPIN
// token round trip (key agreement + getPinUvAuthToken), next to a raw OpenSSL ECDSA P-256 signature as
// the yardstick (every makeCredential signs twice, every getAssertion once); EdDSA getAssertion and U2F
// AUTHENTICATE next to a raw OpenSSL Ed25519 signature.
#include <benchmark/benchmark.h>

#include "card/fido/authenticator.h"
#include "card/fido/cose.h"
#include "crypto/digest.h"
#include "crypto/ec_key.h"
#include "crypto/ed25519_key.h"

namespace {
using namespace keydesk;
using namespace keydesk::card::fido;

Bytes request(protocol::ctap::Command command, const cbor::Value& params) {
  Bytes r{static_cast<uint8_t>(command)};
  append(r, cbor::encode(params));
  return r;
}

const Bytes kClientDataHash(32, 0x42);

Bytes make_credential_request(bool rk, int64_t alg = kCoseAlgEs256) {
  return request(protocol::ctap::Command::kMakeCredential,
                 cbor::Map{{1, kClientDataHash},
                           {2, cbor::Map{{"id", "bench.example"}}},
                           {3, cbor::Map{{"id", Bytes{1}}}},
                           {4, cbor::Array{cbor::Map{{"alg", alg}, {"type", "public-key"}}}},
                           {7, cbor::Map{{"rk", rk}}}});
}

// The yubikey5 profile's lists (EdDSA, U2F) on an otherwise default token.
const nlohmann::json kYubiKey5Like = {{"versions", {"U2F_V2", "FIDO_2_0", "FIDO_2_1_PRE"}},
                                      {"algorithms", {-7, -8}},
                                      {"ctaphid_capabilities", {"wink", "cbor"}}};

void BM_MakeCredential(benchmark::State& state) {
  card::CardContext context;
  Authenticator a(context);
  if (!a.load(nlohmann::json::object()).ok()) state.SkipWithError("load");
  const Bytes req = make_credential_request(false);
  for (auto _ : state) benchmark::DoNotOptimize(a.handle(req));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MakeCredential);

void BM_GetAssertion(benchmark::State& state) {
  card::CardContext context;
  Authenticator a(context);
  if (!a.load(nlohmann::json::object()).ok() || a.handle(make_credential_request(true)).at(0) != 0)
    state.SkipWithError("setup");
  const Bytes req =
      request(protocol::ctap::Command::kGetAssertion, cbor::Map{{1, "bench.example"}, {2, kClientDataHash}});
  for (auto _ : state) benchmark::DoNotOptimize(a.handle(req));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetAssertion);

// Platform side included: getKeyAgreement, ECDH, encrypt pinHashEnc, token request, decrypt the token.
void BM_ClientPinTokenRoundTrip(benchmark::State& state) {
  card::CardContext context;
  Authenticator a(context);
  if (!a.load(nlohmann::json::object()).ok()) state.SkipWithError("load");
  const auto platform = crypto::EcKey::generate(crypto::Curve::kP256);
  const cbor::Value platform_cose = cose_ec2_key(platform.public_point(), kCoseAlgEcdhEsHkdf256);
  auto shared_with_authenticator = [&] {
    const Bytes ka = a.handle(request(protocol::ctap::Command::kClientPin, cbor::Map{{1, 2}, {2, 2}}));
    cbor::Value body;
    (void)cbor::decode(ByteView(ka).subspan(1), body);
    return *shared_secret(PinProtocol::kTwo, platform, *point_from_cose(*body.find(1)));
  };
  Bytes pin = bytes_of("123456");
  pin.resize(64, 0);
  {
    const Bytes shared = shared_with_authenticator();
    const Bytes enc = *pin_encrypt(PinProtocol::kTwo, shared, pin);
    a.handle(request(protocol::ctap::Command::kClientPin,
                     cbor::Map{{1, 2},
                               {2, 3},
                               {3, platform_cose},
                               {4, pin_authenticate(PinProtocol::kTwo, shared, enc)},
                               {5, enc}}));
  }
  Bytes pin_hash = crypto::hash(crypto::HashAlg::kSha256, bytes_of("123456"));
  pin_hash.resize(16);
  for (auto _ : state) {
    const Bytes shared = shared_with_authenticator();
    const Bytes response = a.handle(request(protocol::ctap::Command::kClientPin,
                                            cbor::Map{{1, 2},
                                                      {2, 9},
                                                      {3, platform_cose},
                                                      {6, *pin_encrypt(PinProtocol::kTwo, shared, pin_hash)},
                                                      {9, 1}}));
    if (response.at(0) != 0) state.SkipWithError("token refused");
    benchmark::DoNotOptimize(response);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClientPinTokenRoundTrip);

void BM_OpensslEcdsaP256Sign(benchmark::State& state) {
  const auto key = crypto::EcKey::generate(crypto::Curve::kP256);
  const Bytes digest(32, 0x42);
  for (auto _ : state) benchmark::DoNotOptimize(key.sign_digest(digest));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OpensslEcdsaP256Sign);

void BM_GetAssertionEdDsa(benchmark::State& state) {
  card::CardContext context;
  Authenticator a(context);
  if (!a.load(kYubiKey5Like).ok() || a.handle(make_credential_request(true, kCoseAlgEdDsa)).at(0) != 0)
    state.SkipWithError("setup");
  const Bytes req =
      request(protocol::ctap::Command::kGetAssertion, cbor::Map{{1, "bench.example"}, {2, kClientDataHash}});
  for (auto _ : state) benchmark::DoNotOptimize(a.handle(req));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetAssertionEdDsa);

// U2F AUTHENTICATE (enforce presence) as CTAPHID_MSG carries it, from parsing to signature.
void BM_U2fAuthenticate(benchmark::State& state) {
  card::CardContext context;
  Authenticator a(context);
  if (!a.load(kYubiKey5Like).ok()) state.SkipWithError("load");
  const Bytes application(32, 0xA5);
  Bytes reg{0x00, 0x01, 0x03, 0x00, 0x00, 0x00, 0x40};
  append(reg, kClientDataHash);
  append(reg, application);
  const Bytes registered = a.handle_u2f(reg);
  if (registered.size() < 67 + 2) state.SkipWithError("register");
  const ByteView handle = ByteView(registered).subspan(67, registered.size() > 67 ? registered[66] : 0);
  Bytes auth{0x00, 0x02, 0x03, 0x00, 0x00, 0x00, static_cast<uint8_t>(65 + handle.size())};
  append(auth, kClientDataHash);
  append(auth, application);
  auth.push_back(static_cast<uint8_t>(handle.size()));
  append(auth, handle);
  if (const Bytes first = a.handle_u2f(auth); first.size() < 2 || first[first.size() - 2] != 0x90)
    state.SkipWithError("authenticate");
  for (auto _ : state) benchmark::DoNotOptimize(a.handle_u2f(auth));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_U2fAuthenticate);

void BM_OpensslEd25519Sign(benchmark::State& state) {
  const auto key = crypto::Ed25519Key::from_seed(Bytes(32, 0x42));
  const Bytes message(69, 0x42);  // authData (37) || clientDataHash (32)
  for (auto _ : state) benchmark::DoNotOptimize(key->sign(message));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OpensslEd25519Sign);

}  // namespace

BENCHMARK_MAIN();
