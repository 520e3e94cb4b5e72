#include "iso7816/apdu.h"

#include <gtest/gtest.h>

#include "iso7816/cplc.h"
#include "iso7816/tlv.h"

using namespace keydesk;
using namespace keydesk::iso7816;

namespace {
Bytes hex(const char* h) {
  return *from_hex(h);
}
}  // namespace

TEST(ApduParse, AllSevenCases) {
  auto c1 = parse_command(hex("00208880"));
  ASSERT_TRUE(c1.ok());
  EXPECT_EQ(c1->ne, 0u);
  EXPECT_TRUE(c1->data.empty());

  auto c2s = parse_command(hex("00FD000000"));  // ykman "empty" short command: Le = 256
  ASSERT_TRUE(c2s.ok());
  EXPECT_EQ(c2s->ne, 256u);

  auto c3s = parse_command(hex("0020008008313233343536FFFF"));
  ASSERT_TRUE(c3s.ok());
  EXPECT_EQ(c3s->data.size(), 8u);
  EXPECT_EQ(c3s->ne, 0u);

  auto c4s = parse_command(hex("00CB3FFF035C017E08"));  // OpenSC discovery probe
  ASSERT_TRUE(c4s.ok());
  EXPECT_EQ(c4s->data, hex("5C017E"));
  EXPECT_EQ(c4s->ne, 8u);

  auto c2e = parse_command(hex("00F7008000000000"));
  EXPECT_FALSE(c2e.ok()) << "8 bytes with b4 = 0 is not a legal case";
  auto c2e_ok = parse_command(hex("00F70080000000"));
  ASSERT_TRUE(c2e_ok.ok());
  EXPECT_TRUE(c2e_ok->extended);
  EXPECT_EQ(c2e_ok->ne, 65536u);

  auto c3e = parse_command(hex("00CB3FFF0000055C035FFF00"));  // ykman extended GET DATA
  ASSERT_TRUE(c3e.ok());
  EXPECT_EQ(c3e->data, hex("5C035FFF00"));
  EXPECT_EQ(c3e->ne, 0u);

  auto c4e = parse_command(hex("00CB3FFF0000055C035FFF000100"));
  ASSERT_TRUE(c4e.ok());
  EXPECT_EQ(c4e->ne, 256u);
}

TEST(ApduParse, MalformedLengthsGive6700) {
  for (const char* bad :
       {"", "00", "00A404", "00A4040005A0000003", "00A4040002A0000003AA", "00CB3FFF0000055C"}) {
    auto r = parse_command(hex(bad));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, 0x6700u) << bad;
  }
}

TEST(ApduEncode, RoundTripsShortAndExtended) {
  CommandApdu a = CommandApdu::make(0x00, 0xDB, 0x3F, 0xFF, Bytes(300, 0xAB), 0);
  auto parsed = parse_command(a.encode());
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->extended);
  EXPECT_EQ(parsed->data.size(), 300u);
  CommandApdu b = CommandApdu::make(0x00, 0xA4, 0x04, 0x00, hex("A000000308"), 256);
  EXPECT_EQ(to_hex(b.encode()), "00a4040005a00000030800");
}

TEST(Tlv, MultiByteTagsAndLongLengths) {
  Bytes big(300, 0x11);
  Bytes enc = encode_tlv(0x7F49, big);
  EXPECT_EQ(to_hex(ByteView(enc).first(5)), "7f4982012c");
  size_t pos = 0;
  auto t = read_tlv(enc, pos);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->tag, 0x7F49u);
  EXPECT_EQ(t->value.size(), 300u);
  EXPECT_EQ(pos, enc.size());
  EXPECT_EQ(encode_tlv(0x5FC102, Bytes{}).size(), 4u);
}

TEST(Tlv, RejectsTruncationAndOverlongValues) {
  for (const char* bad : {"53", "5305AABB", "5F", "5381", "538201", "53830100", "5384010000000", "5380"}) {
    auto b = from_hex(bad);
    if (!b) continue;
    EXPECT_FALSE(parse_tlvs(*b).ok()) << bad;
  }
}

TEST(Cplc, CuidIsFabricatorTypeBatchSerial) {
  Bytes raw(42);
  for (size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<uint8_t>(i);
  auto c = parse_cplc(encode_cplc_response(raw));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->cuid_hex(), "0001020310110C0D0E0F");
  EXPECT_EQ(c->cuid_hex().size(), 20u);
  EXPECT_FALSE(parse_cplc(Bytes(41)).ok());
}

TEST(Cuid, ParsesTwentyHexDigitsAndFormatsUpperCase) {
  auto c = keydesk::iso7816::Cuid::parse("4790 5040 e6c1:3a29a10e");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->hex(), "47905040E6C13A29A10E");
  EXPECT_EQ(c->bytes().size(), 10u);
  EXPECT_FALSE(keydesk::iso7816::Cuid::parse("47905040E6C13A29A1"));      // 9 bytes
  EXPECT_FALSE(keydesk::iso7816::Cuid::parse("47905040E6C13A29A10E00"));  // 11 bytes
  EXPECT_FALSE(keydesk::iso7816::Cuid::parse("47905040E6C13A29A10G"));
  EXPECT_EQ(*c, *keydesk::iso7816::Cuid::parse("47905040E6C13A29A10E"));
  EXPECT_LT(*keydesk::iso7816::Cuid::parse("00000000000000000001"), *c);
}

TEST(Cuid, ComesFromTheCplcFieldsInCardManagementOrder) {
  // IC fabricator 4790, IC type 5040, IC serial at 12..15, IC batch at 16..17 (GlobalPlatform CPLC).
  keydesk::Bytes raw(42, 0);
  raw[0] = 0x47, raw[1] = 0x90, raw[2] = 0x50, raw[3] = 0x40;
  raw[12] = 0x3A, raw[13] = 0x29, raw[14] = 0xA1, raw[15] = 0x0E;
  raw[16] = 0xE6, raw[17] = 0xC1;
  auto cplc = keydesk::iso7816::parse_cplc(raw);
  ASSERT_TRUE(cplc);
  EXPECT_EQ(cplc->cuid().hex(), "47905040E6C13A29A10E");
}
