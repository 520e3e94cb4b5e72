// "Nothing was spent" as a checked statement: check_counters over two snapshots (the diagnosis and the
// second read at its end), as a help desk would read it. It may say "Nothing was spent" only when every
// counter was read twice and none moved; a moved counter is another program's doing and is said so.
#include "runbook/counter_check.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace keydesk::runbook;

namespace {

// The case-study token (docs/field-notes.md, case 0) as a diagnosis reads it: no FIDO PIN.
TokenSnapshot case_study() {
  TokenSnapshot s;
  AccessControl a;
  a.source = "ACA";
  a.pin_remaining = 6;
  a.pin_max = 6;
  a.puk_initialized = false;
  s.access = a;
  s.oath = OathState{true,
                     {{"OATH HOTP", "HOTP", "SHA1", 6, 4'160'000'000ULL, {}, "Always", "Always"},
                      {"OATH TOTP 1", "TOTP", "SHA1", 6, {}, 30, "Pin", "Pin"}}};
  FidoState f;
  f.reachable = true;
  f.options = {{"clientPin", false}, {"rk", true}};
  f.remaining_discoverable_credentials = 30;
  s.fido = f;
  return s;
}

std::string text(const CounterCheck& c) {
  std::string all;
  for (const auto& line : c.statement) all += line + "\n";
  return all;
}

const CounterReading* reading(const std::vector<CounterReading>& list, const std::string& name) {
  auto it = std::find_if(list.begin(), list.end(), [&](const CounterReading& r) { return r.name == name; });
  return it == list.end() ? nullptr : &*it;
}

}  // namespace

TEST(CounterCheck, NothingMovedIsTheOnlyCaseThatSaysNothingWasSpent) {
  const auto check = check_counters(case_study(), case_study(), 0);
  EXPECT_EQ(check.outcome, CounterCheck::Outcome::kUnchanged);
  EXPECT_TRUE(check.changed.empty());
  EXPECT_TRUE(check.unread.empty());
  for (const char* name :
       {"card PIN retries (ACA)", "FIDO PIN set", "free FIDO passkey slots", "HOTP counter of \"OATH HOTP\""})
    EXPECT_NE(reading(check.unchanged, name), nullptr) << name;
  EXPECT_EQ(reading(check.unchanged, "card PUK retries (ACA)"), nullptr) << "no PUK: nothing to compare";
  EXPECT_EQ(reading(check.unchanged, "FIDO PIN retries"), nullptr) << "no FIDO PIN: no counter";
  EXPECT_EQ(check.statement.front().rfind("Nothing was spent:", 0), 0u) << text(check);
  EXPECT_NE(text(check).find("refused 0 of keydesk's commands"), std::string::npos) << text(check);
}

// Issue 7: another client set a FIDO PIN between keydesk's getInfo and the end of the diagnosis.
TEST(CounterCheck, AFidoPinSetMeanwhileIsReportedNotHidden) {
  auto after = case_study();
  after.fido->options["clientPin"] = true;
  after.fido->pin_retries = 8;
  const auto check = check_counters(case_study(), after, 0);
  EXPECT_EQ(check.outcome, CounterCheck::Outcome::kChanged);
  EXPECT_TRUE(check.fido_pin_set_meanwhile);
  const auto* flag = reading(check.changed, "FIDO PIN set");
  ASSERT_NE(flag, nullptr);
  EXPECT_EQ(flag->before, 0u);
  EXPECT_EQ(flag->after, 1u);
  EXPECT_EQ(check.changed.size(), 1u) << "the retries that came with the PIN are not a second change";
  EXPECT_TRUE(check.unread.empty());
  const std::string words = text(check);
  EXPECT_EQ(words.find("Nothing was spent"), std::string::npos) << words;
  EXPECT_NE(words.find("FIDO PIN set changed from no to yes while keydesk was reading"), std::string::npos)
      << words;
  EXPECT_NE(words.find("set by another client during the diagnosis"), std::string::npos) << words;
  EXPECT_NE(words.find("(8 retries now)"), std::string::npos) << words;
  EXPECT_NE(words.find("Another program is using the token"), std::string::npos) << words;
}

TEST(CounterCheck, AMovedRetryCounterNamesBothValuesAndTheGuardsRefusals) {
  auto before = case_study();
  before.fido->options["clientPin"] = true;
  before.fido->pin_retries = 8;
  auto after = before;
  after.fido->pin_retries = 7;
  after.access->pin_remaining = 5;
  const auto check = check_counters(before, after, 2);
  EXPECT_EQ(check.outcome, CounterCheck::Outcome::kChanged);
  EXPECT_FALSE(check.fido_pin_set_meanwhile);
  ASSERT_EQ(check.changed.size(), 2u);
  const std::string words = text(check);
  EXPECT_NE(words.find("FIDO PIN retries changed from 8 to 7"), std::string::npos) << words;
  EXPECT_NE(words.find("card PIN retries (ACA) changed from 6 to 5"), std::string::npos) << words;
  EXPECT_NE(words.find("keydesk sent nothing able to change them"), std::string::npos) << words;
  EXPECT_NE(words.find("refused 2 of keydesk's commands"), std::string::npos) << words;
  EXPECT_EQ(words.find("Nothing was spent"), std::string::npos) << words;
}

TEST(CounterCheck, HotpCountersThatAdvanceComeOrGoAreChanges) {
  auto after = case_study();
  after.oath->credentials[0].counter = 4'160'000'001ULL;
  after.oath->credentials.push_back({"new HOTP", "HOTP", "SHA1", 6, 0, {}, "Always", "Always"});
  auto check = check_counters(case_study(), after, 0);
  EXPECT_EQ(check.outcome, CounterCheck::Outcome::kChanged);
  EXPECT_NE(text(check).find("HOTP counter of \"OATH HOTP\" changed from 4160000000 to 4160000001"),
            std::string::npos)
      << text(check);
  EXPECT_NE(text(check).find("HOTP counter of \"new HOTP\" appeared (0)"), std::string::npos) << text(check);

  auto gone = case_study();
  gone.oath->credentials.erase(gone.oath->credentials.begin());
  check = check_counters(case_study(), gone, 0);
  EXPECT_EQ(check.outcome, CounterCheck::Outcome::kChanged);
  EXPECT_NE(text(check).find("disappeared (it was 4160000000)"), std::string::npos) << text(check);
}

TEST(CounterCheck, ACounterNotReadAgainLeavesItUnverifiedNeverUnchanged) {
  auto after = case_study();
  after.fido = FidoState{};  // unreachable at the end
  after.oath.reset();
  const auto check = check_counters(case_study(), after, 0);
  EXPECT_EQ(check.outcome, CounterCheck::Outcome::kUnverified);
  EXPECT_NE(reading(check.unread, "FIDO PIN set"), nullptr);
  EXPECT_NE(reading(check.unread, "HOTP counter of \"OATH HOTP\""), nullptr) << "OATH unreadable: not 'gone'";
  EXPECT_NE(reading(check.unchanged, "card PIN retries (ACA)"), nullptr);
  const std::string words = text(check);
  EXPECT_EQ(words.find("Nothing was spent"), std::string::npos) << words;
  EXPECT_EQ(words.rfind("Not verified: ", 0), 0u) << words;
}

TEST(CounterCheck, NoCounterAtAllIsUnverified) {
  const auto check = check_counters(TokenSnapshot{}, TokenSnapshot{}, 0);
  EXPECT_EQ(check.outcome, CounterCheck::Outcome::kUnverified);
  EXPECT_NE(text(check).find("No counter could be read"), std::string::npos) << text(check);
  EXPECT_EQ(text(check).find("Nothing was spent"), std::string::npos);
}

TEST(CounterCheck, AFidoPinRemovedMeanwhileIsOneChange) {
  auto before = case_study();
  before.fido->options["clientPin"] = true;
  before.fido->pin_retries = 5;
  const auto check = check_counters(before, case_study(), 0);  // clientPin false at the end: a FIDO reset
  EXPECT_EQ(check.outcome, CounterCheck::Outcome::kChanged);
  EXPECT_FALSE(check.fido_pin_set_meanwhile);
  ASSERT_EQ(check.changed.size(), 1u);
  EXPECT_EQ(check.changed[0].name, "FIDO PIN set");
  EXPECT_TRUE(check.unread.empty()) << "the retries went with the PIN";
}
