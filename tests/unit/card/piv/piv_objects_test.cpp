// GET DATA / PUT DATA: what ykman and yubico-piv-tool write and read, access rules and size limits.
#include "fixtures/piv_token.h"

using namespace keydesk;
using namespace keydesk::testing;

TEST(PivObjects, SelectAnswersTheYubikeyApplicationPropertyTemplate) {
  PivToken t;
  EXPECT_EQ(t.raw("00A4040005A000000308"), "61114F0600001000010079074F05A0000003089000");
  EXPECT_EQ(t.raw("00A4040009A0000003080000100000"), "61114F0600001000010079074F05A0000003089000");
  EXPECT_EQ(t.raw("00FD000000"), "0504039000");
  auto serial = t.piv().serial();
  ASSERT_TRUE(serial.ok());
  EXPECT_EQ(*serial, t.card().context().identity.serial);
}

TEST(PivObjects, FactoryTokenHasNoChuidCccOrCertificates) {
  PivToken t;
  EXPECT_EQ(t.raw("00CB3FFF055C035FC102"), "6A82");
  EXPECT_EQ(t.raw("00CB3FFF0000055C035FC107"), "6A82");  // extended, as ykman sends it
  EXPECT_EQ(t.raw("00CB3FFF055C035FC105"), "6A82");
  auto chuid = t.piv().chuid();
  ASSERT_TRUE(chuid.ok());
  EXPECT_FALSE(chuid->has_value());
}

TEST(PivObjects, PutDataNeedsTheManagementKeyAndEmptyContentDeletes) {
  PivToken t;
  const std::string put_printed = "00DB3FFF0A5C035FC10953035A0102";
  EXPECT_EQ(t.raw(put_printed), "6982");
  t.authenticate();
  EXPECT_EQ(t.raw(put_printed), "9000");
  EXPECT_EQ(t.raw("00CB3FFF055C035FC109"), "6982");  // printed information: PIN protected
  t.verify_pin();
  EXPECT_EQ(t.raw("00CB3FFF055C035FC109"), "53035A01029000");
  EXPECT_EQ(t.raw("00DB3FFF075C035FC1095300"), "9000");  // 53 00 deletes
  EXPECT_EQ(t.raw("00CB3FFF055C035FC109"), "6A82");
}

// SP 800-73-4 Part 1 section 3.3.2 as a YubiKey has it from the factory: the full PIV AID and the PIN usage
// policy 40 00 (the PIV PIN satisfies the access rules and is the primary PIN), answered as its own 7E
// template without a PIN, read-only, and still there after RESET.
const std::string kYubikeyDiscovery = "7E124F0BA0000003080000100001005F2F024000";

TEST(PivObjects, DiscoveryObjectIsTheYubikeysAndReadOnly) {
  for (const char* profile_name : {"yubikey5", "factory", "case-study"}) {
    SCOPED_TRACE(profile_name);
    PivToken t(profile_name);
    EXPECT_EQ(t.raw("00CB3FFF035C017E"), kYubikeyDiscovery + "9000");
  }
  PivToken t;
  // OpenSC first asks for 8 bytes to learn the length, then reads the rest.
  EXPECT_EQ(t.raw("00CB3FFF035C017E08"), kYubikeyDiscovery.substr(0, 16) + "610C");
  EXPECT_EQ(t.raw("00C000000C"), kYubikeyDiscovery.substr(16) + "9000");
  t.authenticate();
  const std::string other_policy = "7E124F0BA0000003080000100001005F2F026020";
  EXPECT_EQ(t.raw("00DB3FFF14" + other_policy), "6A80") << "fixed at manufacture";
  EXPECT_EQ(t.raw("00DB3FFF0B5C017E53064F04A0000003"), "6A80");  // not in 53 either
  EXPECT_EQ(t.raw("00CB3FFF035C017E"), kYubikeyDiscovery + "9000");
}

TEST(PivObjects, ResetKeepsTheDiscoveryObject) {
  PivToken t;
  for (int i = 0; i < 3; ++i) t.raw("0020008008FFFFFFFFFFFFFFFF");  // ykman piv reset's sequence
  for (int i = 0; i < 3; ++i) t.raw("002C008010" + std::string(32, 'F'));
  ASSERT_EQ(t.raw("00FB000000"), "9000");
  EXPECT_EQ(t.raw("00CB3FFF035C017E"), kYubikeyDiscovery + "9000");
}

TEST(PivObjects, BitGroupTemplateIsItsOwnTemplate) {
  PivToken t;
  t.authenticate();
  const std::string bit_group = "7F61087F6005020101A100";
  EXPECT_EQ(t.raw("00DB3FFF0B" + bit_group), "9000");
  EXPECT_EQ(t.raw("00CB3FFF045C027F61"), bit_group + "9000");
}

TEST(PivObjects, SizeAndIdentifierLimits) {
  PivToken t;
  t.authenticate();
  Bytes big = iso7816::encode_tlv(0x5C, hex("5FC105"));
  iso7816::append_tlv(big, 0x53, Bytes(3064, 0xAB));
  auto too_big = t.connection().send(iso7816::CommandApdu::make(0x00, 0xDB, 0x3F, 0xFF, big));
  ASSERT_TRUE(too_big.ok());
  EXPECT_EQ(too_big->sw.value, 0x6A84);
  Bytes fits = iso7816::encode_tlv(0x5C, hex("5FC105"));
  iso7816::append_tlv(fits, 0x53, Bytes(3063, 0xAB));
  // yubico-piv-tool chains it in 255-byte pieces with CLA 10; the card answers the whole object in 256s.
  auto ok = t.connection().send(iso7816::CommandApdu::make(0x00, 0xDB, 0x3F, 0xFF, fits));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->sw.value, 0x9000);
  auto read = t.piv().read_object(0x5FC105);
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->size(), 3063u);
  EXPECT_EQ(t.raw("00DB3FFF0A5C035FC0015303010203"), "6A80");  // not a PIV object
  EXPECT_EQ(t.raw("00CB3FFF055C035FC001"), "6A82");
  EXPECT_EQ(t.raw("00CB3FFE055C035FC102"), "6A86");
  EXPECT_EQ(t.raw("00CB3FFF045C035FC1"), "6A80");
}

TEST(PivObjects, CaseStudyTokenHasAChuidWithGuidAndACertifiedAuthenticationKey) {
  PivToken t("case-study");
  auto guid = t.piv().guid();
  ASSERT_TRUE(guid.ok() && guid->has_value());
  EXPECT_EQ((*guid)->size(), 16u);
  auto chuid = t.piv().chuid();
  EXPECT_EQ(chuid->value().size(), 59u);  // what yubico-piv-tool set-chuid writes
  auto cert = t.piv().certificate(0x9A);
  ASSERT_TRUE(cert.ok() && cert->has_value());
  auto subject = crypto::certificate_subject(**cert);
  ASSERT_TRUE(subject.ok());
  EXPECT_NE(subject->find("CN=Case Study User"), std::string::npos);
  auto spki = crypto::certificate_spki(**cert);
  auto meta = t.connection().send_ok(iso7816::CommandApdu::make(0x00, 0xF7, 0x00, 0x9A), "METADATA");
  ASSERT_TRUE(meta.ok() && spki.ok());
  auto card_key = public_key_from_tlvs(*iso7816::find_value(*meta, 0x04));
  const unsigned char* p = spki->data();
  Pkey cert_key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki->size())));
  EXPECT_EQ(EVP_PKEY_eq(card_key.get(), cert_key.get()), 1);
  auto mgmt = t.piv().metadata(0x9B);
  EXPECT_EQ(mgmt->value().algorithm, 0x0A);
  EXPECT_FALSE(mgmt->value().is_default);
}
