// PIN/UV auth protocols 1 and 2 against the CTAP 2.1 migration-guide keys (CTAP 2.1 section 6.5.6 and 6.5.7).
#include "card/fido/pin_protocol.h"

#include <gtest/gtest.h>

#include "fixtures/fido_platform.h"

namespace keydesk::card::fido {
namespace {

Bytes hex(std::string_view h) {
  return *from_hex(h);
}

const Bytes kAuthenticatorPrivate = hex("90f0a83dba763dfa331061198fc90033a7adefe8fe63da224667b2c5ac0a52ba");
const Bytes kPlatformPrivate = hex("e5fccb46de79b04b62e930bbb72b274e30134545f08d54c72bba22407c825344");
const Bytes kToken = hex("202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f");

Bytes shared(PinProtocol p) {
  auto authenticator = crypto::EcKey::from_scalar(crypto::Curve::kP256, kAuthenticatorPrivate);
  auto platform = crypto::EcKey::from_scalar(crypto::Curve::kP256, kPlatformPrivate);
  auto s = shared_secret(p, *authenticator, platform->public_point());
  EXPECT_TRUE(s.ok());
  return *s;
}

TEST(PinProtocol, SharedSecretsMatchTheGuide) {
  EXPECT_EQ(to_hex(shared(PinProtocol::kOne)),
            "8f186f64182b86cfd8bbf73354772066ba46de6514149a7a79c050a3ce4f1ff9");
  EXPECT_EQ(to_hex(shared(PinProtocol::kTwo)),
            "efe50001d97a7cf14096589e65147b108653683cc22aaf4d1f3bd91dc8e41cbd"
            "6e1db0c8ebc48dad977a81d26ca7e5bfb0243bd1a2aba6c45adc7a00729b2027");
}

TEST(PinProtocol, ProtocolOneSetPinAndTokenVectors) {
  const Bytes k = shared(PinProtocol::kOne);
  const Bytes new_pin_enc = *pin_encrypt(PinProtocol::kOne, k, testing::padded_pin("1234"));
  EXPECT_EQ(to_hex(new_pin_enc),
            "b39c3d0e838f65feba0e85824b3f4c2c7b2edd721d05747e669263de39f0a603"
            "5169cd24545a3c2e013bc6f5076cb073314a69c2d5a085f4bc5d3ba1cda4cd6e");
  EXPECT_EQ(to_hex(pin_authenticate(PinProtocol::kOne, k, new_pin_enc)), "f30d26e9fdd0c3ca102fb40c00d989ba");
  EXPECT_EQ(to_hex(*pin_encrypt(PinProtocol::kOne, k, testing::pin_hash16("1234"))),
            "a9fe9301dd1f6e02ad6a721427c027ac");
  EXPECT_EQ(to_hex(*pin_encrypt(PinProtocol::kOne, k, kToken)),
            "5698a1452f1dffade87fc1c5cfa1194c401f780abef110761d76d08f77d67c58");
  // getCredsMetadata with the token (C.3): first 16 bytes in protocol 1.
  EXPECT_EQ(to_hex(pin_authenticate(PinProtocol::kOne, kToken, Bytes{0x01})),
            "797f21ad97515c3ed5cb1f8e6ec28cd8");
}

TEST(PinProtocol, ProtocolTwoVectorsWithFixedIvs) {
  const Bytes k = shared(PinProtocol::kTwo);
  const Bytes new_pin_enc = *pin_encrypt_with_iv(PinProtocol::kTwo, k, testing::padded_pin("1234"),
                                                 hex("000102030405060708090a0b0c0d0e0f"));
  EXPECT_EQ(to_hex(new_pin_enc),
            "000102030405060708090a0b0c0d0e0f2e521d5cbd96fc06315c858c55e7a6f38185b919df8e5703226df4f668561f18"
            "991b4363598fa6813bb85ebbe920a16161f1a35757ee18373a58f45ef4f48df3");
  EXPECT_EQ(to_hex(pin_authenticate(PinProtocol::kTwo, k, new_pin_enc)),
            "f91e789fdc57164e496bb6967505112dcd3c75c13cc66b50a6d1a2f29e2a3921");
  EXPECT_EQ(to_hex(*pin_encrypt_with_iv(PinProtocol::kTwo, k, testing::pin_hash16("1234"),
                                        hex("101112131415161718191a1b1c1d1e1f"))),
            "101112131415161718191a1b1c1d1e1f90d6b228e6faa7d29a28f7ea885c9958");
  const Bytes token_enc =
      *pin_encrypt_with_iv(PinProtocol::kTwo, k, kToken, hex("202122232425262728292a2b2c2d2e2f"));
  EXPECT_EQ(
      to_hex(token_enc),
      "202122232425262728292a2b2c2d2e2fad2834b794efcd5a72757b2d8149505ba8e2d5be03942fc9cc163c00ae0bba98");
  EXPECT_EQ(*pin_decrypt(PinProtocol::kTwo, k, token_enc), kToken);
  EXPECT_TRUE(pin_verify(PinProtocol::kTwo, kToken, Bytes{0x01},
                         hex("797f21ad97515c3ed5cb1f8e6ec28cd83627aa8dc4ced0717120abbb03397159")));
  EXPECT_FALSE(pin_verify(PinProtocol::kTwo, kToken, Bytes{0x02},
                          hex("797f21ad97515c3ed5cb1f8e6ec28cd83627aa8dc4ced0717120abbb03397159")));
}

TEST(PinProtocol, RefusesPointsOffTheCurve) {
  auto authenticator = crypto::EcKey::from_scalar(crypto::Curve::kP256, kAuthenticatorPrivate);
  Bytes bogus(65, 0x01);
  bogus[0] = 0x04;
  EXPECT_FALSE(shared_secret(PinProtocol::kTwo, *authenticator, bogus).ok());
}

}  // namespace
}  // namespace keydesk::card::fido
