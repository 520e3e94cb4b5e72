// The advice matrix: every next step keydesk gives about a blocked or nearly blocked card PIN or PUK must
// name exactly the unblock paths the token reported — over every combination of PUK and XAUTH key
// (present with tries, absent, blocked, and for the PUK also unknown, as on standard PIV).
#include "runbook/unblock_paths.h"

#include <gtest/gtest.h>

#include <string>

#include "runbook/findings.h"

using namespace keydesk::runbook;

namespace {

enum class Puk { kPresent, kAbsent, kBlocked, kUnknown };
enum class Xauth { kPresent, kAbsent, kBlocked };

const char* name(Puk p) {
  switch (p) {
    case Puk::kPresent:
      return "puk-present";
    case Puk::kAbsent:
      return "puk-absent";
    case Puk::kBlocked:
      return "puk-blocked";
    case Puk::kUnknown:
      return "puk-unknown";
  }
  return "";
}
const char* name(Xauth x) {
  switch (x) {
    case Xauth::kPresent:
      return "xauth-present";
    case Xauth::kAbsent:
      return "xauth-absent";
    case Xauth::kBlocked:
      return "xauth-blocked";
  }
  return "";
}

// An access-control state as the probes would report it for this combination.
AccessControl access(Puk puk, Xauth xauth, int pin_remaining) {
  AccessControl a;
  a.source = "ACA";
  a.pin_remaining = pin_remaining;
  a.pin_max = 6;
  switch (puk) {
    case Puk::kPresent:
      a.puk_initialized = true, a.puk_remaining = 4, a.puk_max = 5;
      break;
    case Puk::kAbsent:
      a.puk_initialized = false;
      break;
    case Puk::kBlocked:
      a.puk_initialized = true, a.puk_remaining = 0, a.puk_max = 5;
      break;
    case Puk::kUnknown:
      a.source = "PIV";
      break;  // standard PIV: the PUK counter cannot be read
  }
  switch (xauth) {
    case Xauth::kPresent:
      a.xauth_initialized = true, a.xauth_remaining = 7, a.xauth_max = 10;
      break;
    case Xauth::kAbsent:
      a.xauth_initialized = false;
      break;
    case Xauth::kBlocked:
      a.xauth_initialized = true, a.xauth_remaining = 0, a.xauth_max = 10;
      break;
  }
  return a;
}

bool contains(const std::string& text, const char* needle) {
  return text.find(needle) != std::string::npos;
}

const Finding* finding(const std::vector<Finding>& all, const char* id) {
  for (const auto& f : all)
    if (f.id == id) return &f;
  return nullptr;
}

class AdviceMatrix : public ::testing::TestWithParam<std::tuple<Puk, Xauth>> {};

TEST_P(AdviceMatrix, BlockedPinAdviceNamesOnlyThePathsTheTokenHas) {
  const auto [puk, xauth] = GetParam();
  TokenSnapshot s;
  s.access = access(puk, xauth, 0);
  const auto found = find_issues(s);
  const Finding* blocked = finding(found, "pin-blocked");
  ASSERT_NE(blocked, nullptr);
  const std::string& step = blocked->next_step;
  const bool puk_ok = puk == Puk::kPresent, xauth_ok = xauth == Xauth::kPresent;

  // The PUK is offered as a step only when it exists with tries (or, unknown, only from the records).
  EXPECT_EQ(contains(step, "pin-reset-tries"), puk_ok || puk == Puk::kUnknown) << step;
  if (puk_ok) {
    EXPECT_TRUE(contains(step, "4 of 5 tries left")) << step;
  }
  if (puk == Puk::kUnknown) {
    EXPECT_TRUE(contains(step, "--force")) << step;
  }
  // XAUTH is offered only when its key exists and is not blocked.
  EXPECT_EQ(contains(step, "challenge-response ("), xauth_ok) << step;
  if (xauth_ok) {
    EXPECT_TRUE(contains(step, "7 of 10 tries left")) << step;
  }
  // A token with no way back is told so, and never that it can be unblocked without loss.
  EXPECT_EQ(contains(step, "without losing data"), puk_ok || xauth_ok) << step;
  EXPECT_EQ(contains(step, "only token-reset remains"), !puk_ok && !xauth_ok) << step;
  // What is missing is said in the token's terms.
  if (puk == Puk::kAbsent && !xauth_ok) {
    EXPECT_TRUE(contains(step, "this token has no PUK")) << step;
  }
  if (puk == Puk::kBlocked && !xauth_ok) {
    EXPECT_TRUE(contains(step, "PUK is blocked")) << step;
  }
  if (xauth == Xauth::kBlocked && !puk_ok && puk != Puk::kUnknown) {
    EXPECT_TRUE(contains(step, "XAUTH key is blocked")) << step;
  }
  if (xauth == Xauth::kAbsent && puk_ok) {
    EXPECT_TRUE(contains(step, "this token has no XAUTH key")) << step;
  }
  // The evidence shows what the probes read about both paths.
  EXPECT_TRUE(contains(blocked->evidence, "PUK ")) << blocked->evidence;
  EXPECT_TRUE(contains(blocked->evidence, "XAUTH key ")) << blocked->evidence;
}

TEST_P(AdviceMatrix, LowRetriesAdviceAndTheInterlockFloorFollowThePaths) {
  const auto [puk, xauth] = GetParam();
  const bool any = puk == Puk::kPresent || xauth == Xauth::kPresent;
  // 3 retries left: a warning only where no way back exists (the floor is 3 then, 2 otherwise).
  TokenSnapshot s;
  // The findings are kept in variables: finding() points into the vector it is given.
  s.access = access(puk, xauth, 3);
  const std::vector<Finding> at_three = find_issues(s);
  EXPECT_EQ(finding(at_three, "pin-low-retries") != nullptr, !any);
  s.access = access(puk, xauth, 2);
  const std::vector<Finding> at_two = find_issues(s);
  const Finding* low = finding(at_two, "pin-low-retries");
  ASSERT_NE(low, nullptr);
  EXPECT_EQ(contains(low->next_step, "pin-reset-tries"), puk == Puk::kPresent) << low->next_step;
  EXPECT_EQ(contains(low->next_step, "challenge-response"), xauth == Xauth::kPresent) << low->next_step;
  EXPECT_EQ(contains(low->next_step, "destructive reset"), !any && puk != Puk::kUnknown) << low->next_step;
}

TEST_P(AdviceMatrix, PukAndXauthFindingsMatchTheirState) {
  const auto [puk, xauth] = GetParam();
  TokenSnapshot s;
  s.access = access(puk, xauth, 6);
  const auto found = find_issues(s);
  EXPECT_EQ(finding(found, "puk-not-initialized") != nullptr, puk == Puk::kAbsent);
  EXPECT_EQ(finding(found, "xauth-unblock-available") != nullptr, xauth == Xauth::kPresent);
  EXPECT_EQ(finding(found, "xauth-blocked") != nullptr, xauth == Xauth::kBlocked);
  const Finding* puk_blocked = finding(found, "puk-blocked");
  ASSERT_EQ(puk_blocked != nullptr, puk == Puk::kBlocked);
  if (puk_blocked) {
    EXPECT_EQ(contains(puk_blocked->next_step, "can still be unblocked by"), xauth == Xauth::kPresent)
        << puk_blocked->next_step;
    EXPECT_EQ(contains(puk_blocked->next_step, "only a destructive reset"), xauth != Xauth::kPresent)
        << puk_blocked->next_step;
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryCombination, AdviceMatrix,
    ::testing::Combine(::testing::Values(Puk::kPresent, Puk::kAbsent, Puk::kBlocked, Puk::kUnknown),
                       ::testing::Values(Xauth::kPresent, Xauth::kAbsent, Xauth::kBlocked)),
    [](const ::testing::TestParamInfo<AdviceMatrix::ParamType>& param_info) {
      std::string n =
          std::string(name(std::get<0>(param_info.param))) + "_" + name(std::get<1>(param_info.param));
      for (auto& c : n)
        if (c == '-') c = '_';
      return n;
    });

TEST(UnblockPaths, StatesComeFromWhatTheTokenReported) {
  AccessControl a;
  EXPECT_EQ(unblock_paths(a).puk.state, PathState::kUnknown);
  EXPECT_EQ(unblock_paths(a).xauth.state, PathState::kUnknown);
  a.puk_initialized = true;  // initialized but the counter unread: still unknown, never assumed usable
  EXPECT_EQ(unblock_paths(a).puk.state, PathState::kUnknown);
  a.puk_remaining = 1;
  EXPECT_EQ(unblock_paths(a).puk.state, PathState::kAvailable);
  a.xauth_initialized = true;
  a.xauth_remaining = 0;
  EXPECT_EQ(unblock_paths(a).xauth.state, PathState::kBlocked);
  EXPECT_TRUE(unblock_paths(a).any_available());
  a.puk_remaining = 0;
  EXPECT_FALSE(unblock_paths(a).any_available());
}

}  // namespace
