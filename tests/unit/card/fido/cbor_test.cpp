// CTAP2 canonical CBOR: encoder order and the strict decoder's refusals.
#include "cbor/cbor.h"

#include <gtest/gtest.h>

#include "card/fido/cose.h"

namespace keydesk::cbor {
using card::fido::cose_ec2_key;
using card::fido::kCoseAlgEs256;
namespace {

Bytes hex(std::string_view h) {
  return *from_hex(h);
}

TEST(Cbor, MapKeysFollowCtapCanonicalOrder) {
  // Insertion order deliberately scrambled; canonical: ints ascending, then text by length then bytes.
  Value m(Map{{"up", true}, {"rk", true}, {"clientPin", false}, {"credMgmt", true}, {"plat", false}});
  EXPECT_EQ(to_hex(encode(m)), "a562726bf5627570f564706c6174f468637265644d676d74f569636c69656e7450696ef4");
  Value ints(Map{{20, 25}, {3, Bytes(1, 0)}, {1, Array{"FIDO_2_0"}}});
  EXPECT_EQ(to_hex(encode(ints)),
            "a30181684649444f5f325f300341001418"
            "19");
}

TEST(Cbor, CoseKeyMatchesTheCanonicalLayout) {
  Bytes point{0x04};
  point.resize(65, 0xAB);
  const Bytes encoded = encode(cose_ec2_key(point, kCoseAlgEs256));
  // A5 01 02 03 26 20 01 21 58 20 <x> 22 58 20 <y> (a COSE EC2 key, RFC 8152 section 13.1.1, in CTAP 2.1 canonical CBOR, section 8)
  EXPECT_EQ(to_hex(ByteView(encoded).first(10)), "a5010203262001215820");
  EXPECT_EQ(encoded[42], 0x22);
}

TEST(Cbor, IntegersUseTheShortestForm) {
  EXPECT_EQ(to_hex(encode(Value(23))), "17");
  EXPECT_EQ(to_hex(encode(Value(24))), "1818");
  EXPECT_EQ(to_hex(encode(Value(-25))), "3818");
  EXPECT_EQ(to_hex(encode(Value(uint64_t{0x10000}))), "1a00010000");
}

TEST(Cbor, DecodesWhatItEncodes) {
  Value original(Map{{1, Bytes{1, 2, 3}}, {-3, "x"}, {"k", Array{true, false, Value()}}});
  Value decoded;
  ASSERT_EQ(decode(encode(original), decoded), DecodeStatus::kOk);
  EXPECT_EQ(decoded, original);
  EXPECT_EQ(decoded.find(-3)->as_text(), "x");
  EXPECT_EQ(decoded.find(3), nullptr);
}

TEST(Cbor, RefusesMalformedInput) {
  Value v;
  EXPECT_EQ(decode(hex("a201"), v), DecodeStatus::kInvalid);                // truncated map
  EXPECT_EQ(decode(hex("5820aa"), v), DecodeStatus::kInvalid);              // string longer than input
  EXPECT_EQ(decode(hex("9f01ff"), v), DecodeStatus::kInvalid);              // indefinite array
  EXPECT_EQ(decode(hex("c24101"), v), DecodeStatus::kInvalid);              // tag
  EXPECT_EQ(decode(hex("f93c00"), v), DecodeStatus::kInvalid);              // half float
  EXPECT_EQ(decode(hex("a2010201 03"), v), DecodeStatus::kInvalid);         // duplicate key 1
  EXPECT_EQ(decode(hex("0102"), v), DecodeStatus::kInvalid);                // trailing bytes
  EXPECT_EQ(decode(hex("1c"), v), DecodeStatus::kInvalid);                  // reserved additional info
  EXPECT_EQ(decode(hex("9bffffffffffffffff"), v), DecodeStatus::kInvalid);  // absurd count
}

TEST(Cbor, BoundsNesting) {
  Bytes deep(kMaxDepth + 2, 0x81);
  deep.push_back(0x01);
  Value v;
  EXPECT_EQ(decode(deep, v), DecodeStatus::kLimitExceeded);
  Bytes ok(kMaxDepth, 0x81);
  ok.push_back(0x01);
  EXPECT_EQ(decode(ok, v), DecodeStatus::kOk);
}

}  // namespace
}  // namespace keydesk::cbor
