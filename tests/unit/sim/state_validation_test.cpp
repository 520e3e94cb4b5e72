// A state file is the token itself: keydesk-sim validates it strictly and refuses, naming the field, what
// it would otherwise clamp, wrap, default or drop (docs/keydesk-sim.md, "State file"). Names that are not
// UTF-8 round-trip as {"hex": ...}.
#include <gtest/gtest.h>

#include "card/card.h"
#include "card/profile.h"
#include "core/text.h"
#include "token/standard_token.h"

namespace keydesk::sim {
namespace {

using card::json;

// A valid state document: the case-study profile (every applet) with a HOTP credential, as save() writes it.
json valid_state() {
  auto profile = card::load_profile("case-study", {KEYDESK_PROFILE_SOURCE_DIR});
  EXPECT_TRUE(profile.ok());
  card::Card card;
  token::install_standard_applets(card, *profile);
  EXPECT_TRUE(card.load(*profile).ok());
  return card.save();
}

Status load_state(const json& doc) {
  card::Card card;
  token::install_standard_applets(card, doc);
  return card.load(doc, card::Card::Origin::kStateFile);
}

std::string refusal(const json& doc) {
  const Status s = load_state(doc);
  if (s.ok()) return "accepted";
  EXPECT_EQ(s.error().kind, ErrorKind::kMalformed);
  return describe(s.error());
}

size_t hotp_index(const json& doc) {
  const auto& creds = doc["applets"]["oath"]["credentials"];
  for (size_t i = 0; i < creds.size(); ++i)
    if (creds[i]["type"] == "hotp") return i;
  ADD_FAILURE() << "the case-study profile has no HOTP credential";
  return 0;
}

TEST(StateValidation, AValidStateLoadsAsItIs) {
  EXPECT_EQ(refusal(valid_state()), "accepted");
}

TEST(StateValidation, RefusesFidoRetriesOutOfRange) {
  for (int retries : {300, -1, 9}) {
    json doc = valid_state();
    doc["applets"]["fido"]["pin"]["retries"] = retries;
    const std::string why = refusal(doc);
    EXPECT_NE(why.find("/applets/fido/pin/retries"), std::string::npos) << retries << ": " << why;
    EXPECT_NE(why.find(std::to_string(retries)), std::string::npos) << why;
  }
}

TEST(StateValidation, RefusesAMissingApplets) {
  json doc = valid_state();
  doc.erase("applets");
  EXPECT_NE(refusal(doc).find("/applets is missing"), std::string::npos) << refusal(doc);
}

TEST(StateValidation, RefusesANegativeOrFractionalHotpCounter) {
  for (const json& counter : {json(-5), json(1.5), json("7")}) {
    json doc = valid_state();
    const size_t i = hotp_index(doc);
    doc["applets"]["oath"]["credentials"][i]["counter"] = counter;
    const std::string why = refusal(doc);
    EXPECT_NE(why, "accepted") << counter;
    EXPECT_NE(why.find("counter"), std::string::npos) << counter << ": " << why;
    EXPECT_EQ(why.find("18446744073709551611"), std::string::npos) << why;
  }
}

TEST(StateValidation, RefusesMissingUnknownAndMistypedFields) {
  json missing = valid_state();
  missing["card"].erase("serial");
  EXPECT_NE(refusal(missing).find("/card/serial is missing"), std::string::npos) << refusal(missing);

  json unknown = valid_state();
  unknown["applets"]["oath"]["extra"] = 1;
  EXPECT_NE(refusal(unknown).find("/applets/oath/extra is not part of the state format"), std::string::npos)
      << refusal(unknown);

  json mistyped = valid_state();
  mistyped["security"]["policy"]["force_change"] = "yes";
  EXPECT_NE(refusal(mistyped), "accepted");

  json bigger = valid_state();
  bigger["security"]["pin"]["remaining"] = bigger["security"]["pin"]["max"].get<int>() + 1;
  EXPECT_NE(refusal(bigger), "accepted");

  json no_card = valid_state();
  no_card.erase("card");
  EXPECT_NE(refusal(no_card).find("/card"), std::string::npos);
}

TEST(StateValidation, ErrorsNeverShowStringValues) {
  // Strings of a state file may be PINs and keys: a refusal names the field, not the value.
  json doc = valid_state();
  doc["security"]["pin"]["value"] = "31323334353";  // odd-length hex
  const std::string why = refusal(doc);
  EXPECT_NE(why, "accepted");
  EXPECT_EQ(why.find("31323334353"), std::string::npos) << why;
}

TEST(StateValidation, NamesThatAreNotUtf8RoundTripAsHex) {
  json doc = valid_state();
  const size_t i = hotp_index(doc);
  doc["applets"]["oath"]["credentials"][i]["name"] = state_text("J\xFF\x1B[31m");
  EXPECT_EQ(doc["applets"]["oath"]["credentials"][i]["name"], json({{"hex", "4aff1b5b33316d"}}));
  card::Card card;
  token::install_standard_applets(card, doc);
  ASSERT_TRUE(card.load(doc, card::Card::Origin::kStateFile).ok());
  EXPECT_EQ(card.save()["applets"]["oath"]["credentials"][i]["name"],
            doc["applets"]["oath"]["credentials"][i]["name"]);
  // {"hex"} is only for bytes that are not UTF-8: one canonical form per name.
  doc["applets"]["oath"]["credentials"][i]["name"] = json({{"hex", "41"}});
  EXPECT_NE(refusal(doc), "accepted");
}

TEST(UntrustedText, Utf8RulesAndEscapes) {
  EXPECT_TRUE(is_valid_utf8("plain ASCII"));
  EXPECT_TRUE(is_valid_utf8("J\xC3\xB6rg"));
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));          // truncated
  // Maximal subparts: one U+FFFD for the truncated E2 82, one per lone byte.
  EXPECT_EQ(utf8_replacing_invalid("a\xE2\x82"
                                   "b\xFF\xFE"),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(terminal_text("J\xFF\x1B[31m\x7F\xC2\x9B\xE2\x80\xAEok\xC3\xB6"),
            "J\\xFF\\x1B[31m\\x7F\\u009B\\u202Eok\xC3\xB6");
  EXPECT_EQ(quoted_text("\xFF"), "'\\xFF'");
  json j;
  put_text(j, "Name", "J\xFF");
  EXPECT_EQ(j["Name"], "J\xEF\xBF\xBD");
  EXPECT_EQ(j["NameHex"], "4AFF");
  put_text(j, "Other", "fine");
  EXPECT_FALSE(j.contains("OtherHex"));
}

}  // namespace
}  // namespace keydesk::sim
