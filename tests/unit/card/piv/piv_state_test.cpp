// RESET, SET PIN RETRIES and persistence: what survives a save/load and what a reset restores.
#include "fixtures/piv_token.h"

using namespace keydesk;
using namespace keydesk::testing;

namespace {
void block_pin_and_puk(PivToken& t) {
  for (int i = 0; i < 3; ++i) t.raw("0020008008FFFFFFFFFFFFFFFF");
  for (int i = 0; i < 3; ++i) t.raw("002C008010FFFFFFFFFFFFFFFF313233343536FFFF");
}
}  // namespace

TEST(PivState, ResetOnlyWhenPinAndPukAreBothBlocked) {
  PivToken t;
  EXPECT_EQ(t.raw("00FB000000"), "6985");
  for (int i = 0; i < 3; ++i) t.raw("0020008008FFFFFFFFFFFFFFFF");
  EXPECT_EQ(t.raw("00FB000000"), "6985");  // the PUK still works
  EXPECT_EQ(t.raw("002C008010FFFFFFFFFFFFFFFF313233343536FFFF"), "63C2");
}

TEST(PivState, ResetRestoresFactoryDefaultsAndKeepsTheAttestationKey) {
  PivToken t;
  t.authenticate();
  ASSERT_TRUE(t.piv().generate_key(0x9A, Algorithm::kEccP256).ok());
  EXPECT_EQ(t.raw("00FFFFFF13089B10000102030405060708090A0B0C0D0E0F"), "9000");
  const Bytes attestation = t.piv().certificate(0xF9)->value_or(Bytes{});
  ASSERT_FALSE(attestation.empty());
  ASSERT_TRUE(t.piv().change_pin(bytes_of("123456"), bytes_of("999999"))->ok());
  block_pin_and_puk(t);
  EXPECT_EQ(t.raw("0020008000"), "6983");
  EXPECT_EQ(t.raw("00FB000000"), "9000");
  EXPECT_EQ(t.raw("00F7008000"), "0101FF050101060203039000");
  EXPECT_EQ(t.raw("00F7008100"), "0101FF050101060203039000");
  EXPECT_EQ(t.raw("00F7009B00"), "010103020200010501019000");
  EXPECT_EQ(t.raw("00F7009A00"), "6A88");
  t.verify_pin("123456");
  t.authenticate();
  EXPECT_EQ(*t.piv().certificate(0xF9).value(), attestation);
}

TEST(PivState, SetPinRetriesNeedsManagementKeyAndPinAndRestoresDefaults) {
  PivToken t;
  EXPECT_EQ(t.raw("00FA050600"), "6982");
  t.authenticate();
  EXPECT_EQ(t.raw("00FA050600"), "6982");  // PIN not verified
  ASSERT_TRUE(t.piv().change_pin(bytes_of("123456"), bytes_of("555555"))->ok());
  t.verify_pin("555555");
  EXPECT_EQ(t.raw("00FA000600"), "6A86");
  EXPECT_EQ(t.raw("00FA050600"), "9000");
  EXPECT_EQ(t.raw("00F7008000"), "0101FF050101060205059000");  // PIN back to 123456, 5 tries
  EXPECT_EQ(t.raw("00F7008100"), "0101FF050101060206069000");
  EXPECT_EQ(t.raw("0020008000"), "63C5");  // the verification was forgotten
}

TEST(PivState, SavedStateLoadsIntoANewCardAndTheKeyStillSigns) {
  nlohmann::json saved;
  Bytes public_key;
  {
    PivToken t;
    t.authenticate();
    public_key = *t.piv().generate_key(0x9C, Algorithm::kEccP256);
    EXPECT_EQ(t.raw("00FFFFFF1B0A9B18" + to_hex(hex("0102030405060708090a0b0c0d0e0f101112131415161718"))),
              "9000");
    ASSERT_TRUE(t.piv().change_pin(bytes_of("123456"), bytes_of("24680246"))->ok());
    saved = t.card().save();
  }
  PivToken restored(saved);
  EXPECT_EQ(restored.card().save().dump(), saved.dump());
  restored.verify_pin("24680246");
  const Bytes message = bytes_of("persisted");
  auto sig = restored.piv().sign(0x9C, Algorithm::kEccP256, crypto::hash(crypto::HashAlg::kSha256, message));
  ASSERT_TRUE(sig.ok());
  auto key = public_key_from_tlvs(public_key);
  EXPECT_TRUE(openssl_verifies(key.get(), message, *sig));
  EXPECT_TRUE(
      restored.piv()
          .authenticate(crypto::BlockCipher::kAes192, hex("0102030405060708090a0b0c0d0e0f101112131415161718"))
          .ok());
}

TEST(PivState, SaveIsStableAndCommandsThatFailChangeNothing) {
  PivToken t;
  const std::string before = t.card().save().dump();
  EXPECT_EQ(t.card().save().dump(), before);
  t.raw("0047009A05AC03800111");            // refused: no management key
  t.raw("00DB3FFF0A5C035FC10953035A0102");  // refused
  t.raw("00FB000000");                      // refused
  t.raw("00EE000000");                      // unknown instruction
  EXPECT_EQ(t.raw("00EE000000"), "6D00");
  EXPECT_EQ(t.card().save().dump(), before);
}

TEST(PivState, ProfileSeedingIsDoneOnceAndPowerCycleForgetsVerification) {
  PivToken t("case-study");
  const auto first = t.card().save();
  EXPECT_FALSE(first["applets"]["piv"].contains("provision"));
  EXPECT_TRUE(first["applets"]["piv"]["keys"].contains("9a"));
  EXPECT_TRUE(first["applets"]["piv"]["keys"].contains("f9"));
  t.verify_pin("000000");
  t.card().power_cycle();
  ASSERT_TRUE(t.piv().select().ok());
  EXPECT_EQ(t.raw("0020008000"), "63C6");
}
