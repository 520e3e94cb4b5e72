// The platform side of CTAP for unit tests: encodes requests, runs the PIN protocol exchanges against an
// in-process Authenticator. Its primitives are the ones the B.10 vectors pin down (pin_protocol_test).
#pragma once

#include <gtest/gtest.h>

#include "crypto/digest.h"
#include "fido/authenticator.h"
#include "fido/cose.h"

namespace keydesk::fido::testing {

struct CtapResult {
  CtapStatus status;
  cbor::Value body;
};

inline CtapResult call(Authenticator& a, CtapCommand command, const std::optional<cbor::Value>& params = {}) {
  Bytes request{static_cast<uint8_t>(command)};
  if (params) append(request, cbor::encode(*params));
  const Bytes response = a.handle(request);
  CtapResult r{static_cast<CtapStatus>(response.at(0)), {}};
  if (response.size() > 1) {
    EXPECT_EQ(cbor::decode(ByteView(response).subspan(1), r.body), cbor::DecodeStatus::kOk);
  }
  return r;
}

inline Bytes padded_pin(std::string_view pin) {
  Bytes p = bytes_of(pin);
  p.resize(64, 0x00);
  return p;
}

inline Bytes pin_hash16(std::string_view pin) {
  Bytes h = crypto::hash(crypto::HashAlg::kSha256, bytes_of(pin));
  h.resize(16);
  return h;
}

class TestPlatform {
 public:
  TestPlatform(Authenticator& a, PinProtocol p) : a_(a), protocol_(p) {}

  // getKeyAgreement + ECDH: the shared secret and our COSE key for the next request.
  std::pair<Bytes, cbor::Value> key_agreement() {
    auto r = call(a_, CtapCommand::kClientPin, cbor::Map{{1, uint64_t(protocol_)}, {2, 2}});
    EXPECT_EQ(r.status, CtapStatus::kOk);
    const auto peer = point_from_cose(*r.body.find(1));
    EXPECT_TRUE(peer.has_value());
    const auto mine = crypto::EcKey::generate(crypto::Curve::kP256);
    auto shared = shared_secret(protocol_, mine, *peer);
    EXPECT_TRUE(shared.ok());
    return {*shared, cose_ec2_key(mine.public_point(), kCoseAlgEcdhEsHkdf256)};
  }

  CtapStatus set_pin(std::string_view pin) {
    auto [shared, ka] = key_agreement();
    const Bytes enc = *pin_encrypt(protocol_, shared, padded_pin(pin));
    return call(a_, CtapCommand::kClientPin,
                cbor::Map{{1, uint64_t(protocol_)},
                          {2, 3},
                          {3, ka},
                          {4, pin_authenticate(protocol_, shared, enc)},
                          {5, enc}})
        .status;
  }

  CtapStatus change_pin(std::string_view current, std::string_view next) {
    auto [shared, ka] = key_agreement();
    const Bytes new_enc = *pin_encrypt(protocol_, shared, padded_pin(next));
    const Bytes hash_enc = *pin_encrypt(protocol_, shared, pin_hash16(current));
    Bytes message = new_enc;
    append(message, hash_enc);
    return call(a_, CtapCommand::kClientPin,
                cbor::Map{{1, uint64_t(protocol_)},
                          {2, 4},
                          {3, ka},
                          {4, pin_authenticate(protocol_, shared, message)},
                          {5, new_enc},
                          {6, hash_enc}})
        .status;
  }

  // getPinUvAuthTokenUsingPinWithPermissions; returns the decrypted token on success.
  std::pair<CtapStatus, Bytes> token(std::string_view pin, uint8_t permissions,
                                     std::optional<std::string> rp = {}) {
    auto [shared, ka] = key_agreement();
    cbor::Map m{{1, uint64_t(protocol_)},
                {2, 9},
                {3, ka},
                {6, *pin_encrypt(protocol_, shared, pin_hash16(pin))},
                {9, uint64_t{permissions}}};
    if (rp) m.emplace_back(10, *rp);
    auto r = call(a_, CtapCommand::kClientPin, cbor::Value(m));
    if (r.status != CtapStatus::kOk) return {r.status, {}};
    return {r.status, *pin_decrypt(protocol_, shared, r.body.find(2)->as_bytes())};
  }

  // getPinToken (0x05), the only token subcommand of a profile without the pinUvAuthToken option.
  std::pair<CtapStatus, Bytes> legacy_token(std::string_view pin) {
    auto [shared, ka] = key_agreement();
    auto r = call(a_, CtapCommand::kClientPin,
                  cbor::Map{{1, uint64_t(protocol_)},
                            {2, 5},
                            {3, ka},
                            {6, *pin_encrypt(protocol_, shared, pin_hash16(pin))}});
    if (r.status != CtapStatus::kOk) return {r.status, {}};
    return {r.status, *pin_decrypt(protocol_, shared, r.body.find(2)->as_bytes())};
  }

  std::pair<uint64_t, bool> retries() {
    auto r = call(a_, CtapCommand::kClientPin, cbor::Map{{1, 1}, {2, 1}});
    EXPECT_EQ(r.status, CtapStatus::kOk);
    return {r.body.find(3)->as_unsigned(), r.body.find(4)->as_bool()};
  }

  PinProtocol protocol() const { return protocol_; }

 private:
  Authenticator& a_;
  PinProtocol protocol_;
};

}  // namespace keydesk::fido::testing
