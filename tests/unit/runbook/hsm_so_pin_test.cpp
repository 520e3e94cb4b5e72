// SO-PIN input for the SmartCard-HSM: exactly 16 hex digits pass; every usual mistake is a usage error
// that says what was probably meant and never quotes a secret (only the documented default is named).
#include "runbook/hsm_so_pin.h"

#include <gtest/gtest.h>

using namespace keydesk;
using runbook::parse_so_pin_input;

namespace {

std::string message(std::string_view typed, std::optional<std::string_view> user_pin = std::nullopt) {
  auto r = parse_so_pin_input(typed, "SO-PIN", user_pin);
  EXPECT_FALSE(r.ok()) << typed;
  if (r.ok()) return {};
  EXPECT_EQ(r.error().kind, ErrorKind::kUsage) << typed;
  const std::string m = describe(r.error());
  EXPECT_NE(m.find("no SO-PIN try was spent"), std::string::npos) << m;
  return m;
}

}  // namespace

TEST(HsmSoPin, SixteenHexDigitsAreTheEightBytes) {
  auto r = parse_so_pin_input("3537363231383830", "SO-PIN");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(to_hex(r->bytes), "3537363231383830");
  EXPECT_TRUE(r->documented_default);
  EXPECT_EQ(r->as_text, "57621880");
  auto lower = parse_so_pin_input("00aaBBccDDeeFF11", "SO-PIN");
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(to_hex(lower->bytes), "00aabbccddeeff11");
  EXPECT_FALSE(lower->as_text);
  EXPECT_FALSE(lower->documented_default);
}

TEST(HsmSoPin, EightCharactersTypedAsTheyAre) {
  EXPECT_NE(message("57621880").find("3537363231383830"), std::string::npos)
      << "the documented default's required form is named";
  const std::string other = message("24681357");
  EXPECT_NE(other.find("8 characters typed as they are"), std::string::npos);
  EXPECT_EQ(other.find("24681357"), std::string::npos) << "a secret is never quoted";
  EXPECT_EQ(other.find("3234363831333537"), std::string::npos) << "nor what it converts to";
}

TEST(HsmSoPin, UsualMistakesAreRecognised) {
  EXPECT_NE(message("33353337333633323331333833383330").find("encoded twice"), std::string::npos);
  EXPECT_NE(message("648219").find("user PIN"), std::string::npos);
  EXPECT_NE(message("0011223344556677", std::string_view("0011223344556677")).find("same as the user PIN"),
            std::string::npos);
  EXPECT_NE(message("353736323138383").find("one missing"), std::string::npos);
  EXPECT_NE(message("35373632313838300").find("one too many"), std::string::npos);
  EXPECT_NE(message("3537 3632 3138 3830").find("without them"), std::string::npos);
  EXPECT_NE(message("353736323I38383O").find("position 10, 16"), std::string::npos);
  EXPECT_NE(message("zzzzzzzzzzzzzzzz").find("not all of them hexadecimal"), std::string::npos);
  EXPECT_NE(message("").find("empty"), std::string::npos);
  EXPECT_NE(message("3537\x01"
                    "3632")
                .find("not printable"),
            std::string::npos);
}

TEST(HsmSoPin, UserPinRule) {
  EXPECT_TRUE(runbook::check_hsm_user_pin("648219", "PIN").ok());
  EXPECT_TRUE(runbook::check_hsm_user_pin("0123456789abcdef", "PIN").ok());
  EXPECT_FALSE(runbook::check_hsm_user_pin("12345", "PIN").ok());
  EXPECT_FALSE(runbook::check_hsm_user_pin("0123456789abcdefg", "PIN").ok());
}
