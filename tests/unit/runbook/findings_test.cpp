// Findings, the symptom map and the retry interlock as pure functions over snapshots: the answers a help
// desk reads from `keydesk diagnose`.
#include "runbook/findings.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "runbook/retry_interlock.h"
#include "runbook/survival.h"

using namespace keydesk;
using namespace keydesk::runbook;

namespace {

// The token of docs/field-notes.md, case 0, as the probes see it.
TokenSnapshot case_study() {
  TokenSnapshot s;
  s.identity.cuid = "47900000000000001234";
  AccessControl a;
  a.source = "ACA";
  a.pin_remaining = 6;
  a.pin_max = 6;
  a.puk_initialized = false;
  a.xauth_initialized = true;
  a.xauth_challenge_type = "Dynamic";
  a.pin_shared_with_fido = false;
  a.force_pin_change = false;
  s.access = a;
  OathState oath{true,
                 {{"OATH HOTP", "HOTP", "SHA1", 6, 4'160'000'000ULL, {}, "Always", "Always"},
                  {"OATH TOTP 1", "TOTP", "SHA1", 6, {}, 30, "Pin", "Pin"}}};
  s.oath = oath;
  FidoState f;
  f.reachable = true;
  f.options = {{"clientPin", false}, {"rk", true}, {"credMgmt", true}, {"ep", true}};
  f.remaining_discoverable_credentials = 30;
  s.fido = f;
  return s;
}

std::vector<std::string> ids(const TokenSnapshot& s) {
  std::vector<std::string> out;
  for (const auto& f : find_issues(s)) out.push_back(f.id);
  return out;
}
bool has(const std::vector<std::string>& v, const char* id) {
  return std::find(v.begin(), v.end(), id) != v.end();
}

}  // namespace

TEST(Findings, CaseStudyIsNotALockout) {
  const auto found = ids(case_study());
  EXPECT_TRUE(has(found, "pin-not-locked"));
  EXPECT_TRUE(has(found, "puk-not-initialized"));
  EXPECT_TRUE(has(found, "xauth-unblock-available"));
  EXPECT_TRUE(has(found, "hotp-counter-suspicious"));
  EXPECT_TRUE(has(found, "fido-pin-not-set"));
  EXPECT_TRUE(has(found, "fido-no-credentials"));
  EXPECT_FALSE(has(found, "pin-blocked"));
  EXPECT_FALSE(has(found, "pin-low-retries"));
  EXPECT_FALSE(has(found, "several-tokens"));
  EXPECT_FALSE(has(found, "pin-default")) << "only reported where the token itself says so";
}

TEST(Findings, EveryFindingCarriesEvidenceAndANextStep) {
  auto s = case_study();
  s.tokens_present = 2;
  s.access->pin_remaining = 0;
  s.fido->reachable = false;
  s.fido->unreachable_reason = "no FIDO HID device (permission denied on /dev/hidraw0)";
  for (const auto& f : find_issues(s)) {
    EXPECT_FALSE(f.evidence.empty()) << f.id;
    EXPECT_FALSE(f.next_step.empty()) << f.id;
  }
  const auto found = ids(s);
  EXPECT_TRUE(has(found, "several-tokens"));
  EXPECT_TRUE(has(found, "pin-blocked"));
  EXPECT_TRUE(has(found, "fido-unreachable"));
  EXPECT_FALSE(has(found, "fido-pin-not-set")) << "an unreachable FIDO applet proves nothing about its PIN";
}

TEST(Findings, LowRetriesDependOnTheUnblockPath) {
  auto s = case_study();  // no PUK, but XAUTH: a way back exists
  s.access->pin_remaining = 3;
  EXPECT_FALSE(has(ids(s), "pin-low-retries"));
  s.access->xauth_initialized = false;  // no way back at all: 3 is already too few
  EXPECT_TRUE(has(ids(s), "pin-low-retries"));
  s.access->pin_remaining = 4;
  EXPECT_FALSE(has(ids(s), "pin-low-retries"));
}

TEST(Findings, BlockedPukDefaultPinAndForcedChange) {
  auto s = case_study();
  s.access->puk_initialized = true;
  s.access->puk_remaining = 0;
  s.access->pin_is_default = true;
  s.access->force_pin_change = true;
  const auto found = ids(s);
  EXPECT_TRUE(has(found, "puk-blocked"));
  EXPECT_TRUE(has(found, "pin-default"));
  EXPECT_TRUE(has(found, "force-pin-change-pending"));
  EXPECT_FALSE(has(found, "puk-not-initialized"));
}

TEST(Findings, FidoBlockedIsNotFidoAuthBlocked) {
  auto s = case_study();
  s.fido->options["clientPin"] = true;
  s.fido->pin_retries = 5;
  s.fido->power_cycle_required = true;
  auto found = ids(s);
  EXPECT_TRUE(has(found, "fido-pin-auth-blocked"));
  EXPECT_FALSE(has(found, "fido-pin-blocked")) << "0x34 keeps its retries: re-insert, do not reset";
  s.fido->pin_retries = 0;
  found = ids(s);
  EXPECT_TRUE(has(found, "fido-pin-blocked"));
  EXPECT_FALSE(has(found, "fido-pin-auth-blocked"));
}

TEST(Findings, OrdinaryHotpCounterIsNotSuspicious) {
  auto s = case_study();
  s.oath->credentials[0].counter = 1234;
  EXPECT_FALSE(has(ids(s), "hotp-counter-suspicious"));
}

TEST(SymptomMap, PointsToTheRightPin) {
  const auto s = case_study();
  EXPECT_NE(pin_for_symptom(Symptom::kWindowsLogon, s).pin.find("smart card PIN"), std::string::npos);
  EXPECT_NE(pin_for_symptom(Symptom::kPasskey, s).pin.find("FIDO PIN"), std::string::npos);
  EXPECT_NE(pin_for_symptom(Symptom::kOtp, s).pin.find("none"), std::string::npos);
  EXPECT_EQ(parse_symptom("windows-logon"), Symptom::kWindowsLogon);
  EXPECT_FALSE(parse_symptom("locked-out").has_value());
}

TEST(RetryInterlock, RefusesNearTheEndUnlessForced) {
  EXPECT_TRUE(check_attempt("PIN", 6, false, false).ok());
  EXPECT_TRUE(check_attempt("PIN", 3, true, false).ok());
  EXPECT_EQ(check_attempt("PIN", 3, false, false).error().kind, ErrorKind::kRefused);
  EXPECT_EQ(check_attempt("PIN", 2, true, false).error().kind, ErrorKind::kRefused);
  EXPECT_EQ(check_attempt("PIN", std::nullopt, true, false).error().kind, ErrorKind::kRefused);
  EXPECT_TRUE(check_attempt("PIN", 2, true, true).ok());
}

TEST(RetryInterlock, MalformedPinsNeverReachTheCard) {
  const PinRule rule{6, 8, true};
  EXPECT_TRUE(check_pin_format("PIN", "000000", rule).ok());
  EXPECT_EQ(check_pin_format("PIN", "12345", rule).error().kind, ErrorKind::kUsage);
  EXPECT_EQ(check_pin_format("PIN", "123456789", rule).error().kind, ErrorKind::kUsage);
  EXPECT_EQ(check_pin_format("PIN", "12345a", rule).error().kind, ErrorKind::kUsage);
  EXPECT_EQ(check_pin_format("PIN", "12345\xC3\xA9", PinRule{6, 8, false}).error().kind, ErrorKind::kUsage);
}

TEST(Survival, DestructiveRowsWipeAndRecoveryRowsKeep) {
  ASSERT_NE(survival_of("token-reset"), nullptr);
  EXPECT_EQ(survival_of("token-reset")->certificates, Survival::kWipes);
  EXPECT_EQ(survival_of("fido-token-reset")->fido, Survival::kWipes);
  EXPECT_EQ(survival_of("fido-token-reset")->oath, Survival::kKeeps);
  EXPECT_EQ(survival_of("pin-reset-tries")->certificates, Survival::kKeeps);
  EXPECT_EQ(survival_of("diagnose"), nullptr);
}
