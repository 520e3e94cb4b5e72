// The derivations against vectors computed independently: pyca/cryptography 38's KBKDFCMAC (counter mode,
// r = 32 bits before the fixed input, L = 32 bits) and Python's hmac for the PUK; the default PIV management
// key's KCV B073DC is Microsoft's published value.
#include "provision/derivation.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace keydesk::provision {
namespace {

Bytes master_0_to_31() {
  Bytes m;
  for (int i = 0; i < 32; ++i) m.push_back(static_cast<uint8_t>(i));
  return m;
}
iso7816::Cuid cuid(std::string_view hex) {
  return *iso7816::Cuid::parse(hex);
}
std::string hex(const SecureBytes& b) {
  return to_hex(ByteView(b.data(), b.size()), true);
}

TEST(DiversifiedAdminKey, MatchesIndependentKbkdfCmac) {
  const Bytes m = master_0_to_31();
  const auto c = cuid("4090A1B2C3D4E5F60718");
  struct Vector {
    crypto::BlockCipher cipher;
    const char* key;
    const char* kcv;
  };
  const Vector vectors[] = {
      {crypto::BlockCipher::kAes128, "F664EC38F176A86065CD8550B71B204E", "C137AB"},
      {crypto::BlockCipher::kAes192, "B1D2CBDE08F7576E334AEE10488815168CFB68A90753EDCD", "BDD1A2"},
      {crypto::BlockCipher::kAes256, "BB85B2CD40BB53529166C1399D7CD6F0BE90469D4538280048DB0C66C5E0E98F",
       "8020AD"},
      // KBKDF output 2523F2336D9CB9A044854A318036DD1C7CC5FCDDE28E158C with odd parity set.
      {crypto::BlockCipher::kTdes, "2523F2326D9DB9A145854A318037DC1C7CC4FDDCE38F158C", "7B686B"},
  };
  for (const auto& v : vectors) {
    auto key = diversify_admin_key(m, c, v.cipher);
    ASSERT_TRUE(key.ok()) << describe(key.error());
    EXPECT_EQ(hex(*key), v.key) << cipher_name(v.cipher);
    auto kcv = key_check_value(v.cipher, *key);
    ASSERT_TRUE(kcv.ok());
    EXPECT_EQ(*kcv, v.kcv) << cipher_name(v.cipher);
  }
}

TEST(DiversifiedAdminKey, DiffersPerTokenAndAlgorithmAndNeedsA32ByteMaster) {
  const Bytes m = master_0_to_31();
  auto a = diversify_admin_key(m, cuid("4090A1B2C3D4E5F60718"), crypto::BlockCipher::kAes192);
  auto b = diversify_admin_key(m, cuid("4090A1B2C3D4E5F60719"), crypto::BlockCipher::kAes192);
  auto t = diversify_admin_key(m, cuid("4090A1B2C3D4E5F60718"), crypto::BlockCipher::kTdes);
  ASSERT_TRUE(a.ok() && b.ok() && t.ok());
  EXPECT_NE(hex(*a), hex(*b));
  // Same length, other algorithm: the algorithm id in the context separates them.
  EXPECT_NE(hex(*a), hex(*t));
  EXPECT_EQ(diversify_admin_key(Bytes(16, 1), cuid("4090A1B2C3D4E5F60718"), crypto::BlockCipher::kAes128)
                .error()
                .kind,
            ErrorKind::kUsage);
}

TEST(KeyCheckValue, DefaultManagementKeyIsMicrosoftsB073DC) {
  auto key = from_hex("010203040506070801020304050607080102030405060708");
  auto kcv = key_check_value(crypto::BlockCipher::kTdes, *key);
  ASSERT_TRUE(kcv.ok());
  EXPECT_EQ(*kcv, "B073DC");
}

TEST(DerivedPuk, MatchesIndependentHmacVectors) {
  const Bytes m = master_0_to_31();
  auto p8 = derive_puk(m, cuid("4090A1B2C3D4E5F60718"), 8);
  auto p6 = derive_puk(m, cuid("4090A1B2C3D4E5F60718"), 6);
  auto serial = derive_puk(m, cuid("00000000000000BC614E"), 8);
  ASSERT_TRUE(p8.ok() && p6.ok() && serial.ok());
  EXPECT_EQ(p8->view(), "40811219");
  EXPECT_EQ(p6->view(), "811219");
  EXPECT_EQ(serial->view(), "99070762");
}

TEST(DerivedPuk, RejectsTheBiasedTopOfTheRange) {
  // For this CUID the first word is 4235419896 >= 42 * 10^8: taking it mod 10^8 would favour 0..94967295.
  // The second word gives the PUK.
  auto p = derive_puk(master_0_to_31(), cuid("00000000000000000040"), 8);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->view(), "98548704");
  EXPECT_NE(p->view(), "35419896");  // what 4235419896 mod 10^8 would have given
}

TEST(DerivedPuk, RefusesShortMastersAndBadLengths) {
  EXPECT_EQ(derive_puk(Bytes(15, 7), cuid("4090A1B2C3D4E5F60718"), 8).error().kind, ErrorKind::kUsage);
  EXPECT_EQ(derive_puk(master_0_to_31(), cuid("4090A1B2C3D4E5F60718"), 9).error().kind, ErrorKind::kUsage);
  EXPECT_EQ(derive_puk(master_0_to_31(), cuid("4090A1B2C3D4E5F60718"), 5).error().kind, ErrorKind::kUsage);
}

TEST(WeakDigits, RunsRepeatsAndDefaults) {
  for (const char* weak : {"000000", "999999", "123456", "12345678", "890123", "654321", "210987", "3210",
                           "01234567", "98765432"})
    EXPECT_TRUE(is_weak_digits(weak)) << weak;
  for (const char* fine : {"135790", "40811219", "123457", "112233", "000001"})
    EXPECT_FALSE(is_weak_digits(fine)) << fine;
}

TEST(RandomDigits, LengthAlphabetNotWeakAndRoughlyUniform) {
  std::map<char, int> counts;
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    SecureString pin = random_digits(8);
    ASSERT_EQ(pin.size(), 8u);
    for (char c : pin.view()) {
      ASSERT_TRUE(c >= '0' && c <= '9');
      ++counts[c];
    }
    EXPECT_FALSE(is_weak_digits(pin.view()));
    seen.insert(std::string(pin.view()));
  }
  EXPECT_GT(seen.size(), 1990u);  // 2000 draws from 10^8 values
  // 16000 digits: each about 1600; a bias of 6/256 (modulo instead of rejection) would move 0..5 up by ~9%.
  for (const auto& [digit, n] : counts) EXPECT_NEAR(n, 1600, 200) << digit;
  // `avoid` is never returned (a 4-digit space makes a collision likely without the rule).
  for (int i = 0; i < 3000; ++i) EXPECT_NE(random_digits(4, "4711").view(), "4711");
}

TEST(RandomBlockKey, TdesHasOddParityAndNoWeakPart) {
  for (int i = 0; i < 200; ++i) {
    SecureBytes k = random_block_key(crypto::BlockCipher::kTdes);
    ASSERT_EQ(k.size(), 24u);
    for (uint8_t b : k) EXPECT_EQ(__builtin_popcount(b) % 2, 1);
    EXPECT_FALSE(is_weak_tdes_key(k));
  }
  EXPECT_EQ(random_block_key(crypto::BlockCipher::kAes192).size(), 24u);
  EXPECT_EQ(random_block_key(crypto::BlockCipher::kAes256).size(), 32u);
  // Weak keys: the default-style repeated key and a DES weak key.
  EXPECT_TRUE(is_weak_tdes_key(*from_hex("010203040506070801020304050607080102030405060708")));
  EXPECT_TRUE(is_weak_tdes_key(*from_hex("0101010101010101A1B2C3D4E5F60718293A4B5C6D7E8F90")));
  EXPECT_TRUE(is_weak_tdes_key(*from_hex("1FE01FE00EF10EF1A1B2C3D4E5F60718293A4B5C6D7E8F90")));
  EXPECT_FALSE(is_weak_tdes_key(*from_hex("2523F2326D9DB9A145854A318037DC1C7CC4FDDCE38F158C")));
}

TEST(Kbkdf, IsSp800108CounterModeWithCmac) {
  // [L]_32 is part of every block's input (the vectors above pin the whole construction): a 16-byte output
  // is not the prefix of a 32-byte one, as it would be if L were left out.
  const Bytes m = master_0_to_31();
  auto a = kbkdf_cmac(m, bytes_of("L"), bytes_of("C"), 16);
  auto b = kbkdf_cmac(m, bytes_of("L"), bytes_of("C"), 32);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(hex(*a), hex(*b).substr(0, 32));
}

}  // namespace
}  // namespace keydesk::provision
