// Unblock codes read aloud (docs/unblock-codes.md): the decimal form against known values, and the
// checksum proven exhaustively — every single-digit error and every swap of two adjacent digits, at
// every position, of challenges and responses of both block sizes, is refused before anything is sent.
#include "protocol/unblock_code.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

using namespace keydesk;
using namespace keydesk::protocol::unblock_code;

namespace {

std::string strip(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  return s;
}

std::vector<Bytes> sample_blocks(size_t length) {
  std::vector<Bytes> blocks{Bytes(length, 0x00), Bytes(length, 0xFF), Bytes(length, 0x5A)};
  std::mt19937 rng(length);  // fixed seed: the same blocks every run
  for (int i = 0; i < 20; ++i) {
    Bytes b(length);
    for (auto& byte : b) byte = static_cast<uint8_t>(rng());
    blocks.push_back(b);
  }
  return blocks;
}

}  // namespace

TEST(UnblockCode, DecimalFormMatchesKnownValues) {
  EXPECT_EQ(encode(Kind::kChallenge, Bytes(8, 0xFF)).digits, "18446 74407 37095 51615");  // 2^64 - 1
  EXPECT_EQ(strip(encode(Kind::kChallenge, Bytes(16, 0xFF)).digits),
            "340282366920938463463374607431768211455");  // 2^128 - 1
  EXPECT_EQ(encode(Kind::kResponse, Bytes(8, 0x00)).digits, "00000 00000 00000 00000");
  EXPECT_EQ(encode(Kind::kChallenge, *from_hex("0000000000000100")).digits, "00000 00000 00000 00256");
  EXPECT_EQ(digit_count(8), 20u);
  EXPECT_EQ(digit_count(16), 39u);
}

TEST(UnblockCode, RoundTripsWithSeparatorsAsTyped) {
  for (size_t length : {size_t{8}, size_t{16}}) {
    for (const auto& block : sample_blocks(length)) {
      for (Kind kind : {Kind::kChallenge, Kind::kResponse}) {
        const Code code = encode(kind, block);
        auto typed = code.digits;
        std::replace(typed.begin(), typed.end(), ' ', '-');
        auto back = decode(kind, typed, code.checksum, length);
        ASSERT_TRUE(back.ok()) << describe(back.error());
        EXPECT_EQ(*back, block);
      }
    }
  }
}

TEST(UnblockCode, EverySingleDigitErrorAndEveryAdjacentSwapIsRefused) {
  size_t checked = 0;
  for (size_t length : {size_t{8}, size_t{16}}) {
    for (const auto& block : sample_blocks(length)) {
      for (Kind kind : {Kind::kChallenge, Kind::kResponse}) {
        const Code code = encode(kind, block);
        const std::string digits = strip(code.digits);
        // A wrong digit anywhere in the code.
        for (size_t i = 0; i < digits.size(); ++i) {
          for (char d = '0'; d <= '9'; ++d) {
            if (d == digits[i]) continue;
            std::string typed = digits;
            typed[i] = d;
            EXPECT_FALSE(decode(kind, typed, code.checksum, length).ok()) << typed;
            ++checked;
          }
        }
        // Two different neighbours swapped in the code.
        for (size_t i = 0; i + 1 < digits.size(); ++i) {
          if (digits[i] == digits[i + 1]) continue;
          std::string typed = digits;
          std::swap(typed[i], typed[i + 1]);
          EXPECT_FALSE(decode(kind, typed, code.checksum, length).ok()) << typed;
          ++checked;
        }
        // The same errors in the checksum itself.
        for (size_t i = 0; i < 4; ++i) {
          for (char d = '0'; d <= '9'; ++d) {
            if (d == code.checksum[i]) continue;
            std::string typed = code.checksum;
            typed[i] = d;
            EXPECT_FALSE(decode(kind, digits, typed, length).ok()) << typed;
            ++checked;
          }
          if (i + 1 < 4 && code.checksum[i] != code.checksum[i + 1]) {
            std::string typed = code.checksum;
            std::swap(typed[i], typed[i + 1]);
            EXPECT_FALSE(decode(kind, digits, typed, length).ok()) << typed;
            ++checked;
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 30'000u);  // the loops ran: 23 blocks x 2 kinds x 2 sizes
}

TEST(UnblockCode, EveryErrorIsCaughtWhateverTheOtherDigits) {
  // The checksum is linear in the digits, so whether an error is caught depends only on its position and
  // on the digits it changes: checking every (position, old digit, new digit) and every adjacent pair of
  // different digits once proves it for every code of that length.
  for (size_t length : {size_t{8}, size_t{16}}) {
    const size_t n = digit_count(length);
    const std::string zeros(n, '0');
    for (size_t i = 0; i < n; ++i) {
      for (char a = '0'; a <= '9'; ++a) {
        std::string base = zeros;
        base[i] = a;
        const std::string sum = checksum_of(Kind::kChallenge, base);
        for (char b = '0'; b <= '9'; ++b) {
          if (a == b) continue;
          std::string changed = base;
          changed[i] = b;
          EXPECT_NE(checksum_of(Kind::kChallenge, changed), sum) << i << a << b;
          if (i + 1 < n) {
            std::string pair = zeros, swapped = zeros;
            pair[i] = a, pair[i + 1] = b;
            swapped[i] = b, swapped[i + 1] = a;
            EXPECT_NE(checksum_of(Kind::kChallenge, pair), checksum_of(Kind::kChallenge, swapped))
                << i << a << b;
          }
        }
      }
    }
  }
}

TEST(UnblockCode, AChallengeTypedAsTheResponseIsNamed) {
  const Bytes block = *from_hex("0102030405060708");
  const Code challenge = encode(Kind::kChallenge, block);
  auto typed_as_response = decode(Kind::kResponse, challenge.digits, challenge.checksum, 8);
  ASSERT_FALSE(typed_as_response.ok());
  EXPECT_NE(describe(typed_as_response.error()).find("this is a challenge"), std::string::npos);
}

TEST(UnblockCode, MalformedInputIsAUsageError) {
  const Code code = encode(Kind::kResponse, Bytes(8, 0x42));
  for (auto [digits, checksum] : std::vector<std::pair<std::string, std::string>>{
           {"", code.checksum},
           {code.digits + "1", code.checksum},
           {code.digits.substr(1), code.checksum},
           {"1844674407370955161A", code.checksum},
           {code.digits, "123"},
           {code.digits, "12345"},
           {code.digits, "12a4"},
       }) {
    auto r = decode(Kind::kResponse, digits, checksum, 8);
    ASSERT_FALSE(r.ok()) << digits << " " << checksum;
    EXPECT_EQ(r.error().kind, ErrorKind::kUsage);
  }
  // 2^64 exactly does not fit 8 bytes, even with a matching checksum.
  const std::string too_big = "18446744073709551616";
  auto r = decode(Kind::kChallenge, too_big, checksum_of(Kind::kChallenge, too_big), 8);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(describe(r.error()).find("out of range"), std::string::npos);
}
