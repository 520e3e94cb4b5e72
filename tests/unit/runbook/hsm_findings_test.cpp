// What diagnose says about a SmartCard-HSM, as pure functions over its read-only state.
#include <gtest/gtest.h>

#include <algorithm>

#include "runbook/findings.h"

using namespace keydesk;
using namespace keydesk::runbook;

namespace {

HsmState initialised(int so, int user, uint16_t options = 0x0001) {
  HsmState h;
  h.version = "3.2";
  h.options = options;
  h.device_id = "DENK0102296";
  h.initialized = true;
  h.so_remaining = so;
  h.user_remaining = user;
  return h;
}

const Finding* find(const std::vector<Finding>& all, const std::string& id) {
  auto it = std::find_if(all.begin(), all.end(), [&](const Finding& f) { return f.id == id; });
  return it == all.end() ? nullptr : &*it;
}

std::vector<Finding> findings(const HsmState& h) {
  TokenSnapshot s;
  s.hsm = h;
  return find_issues(s);
}

}  // namespace

TEST(HsmFindings, SpentSoPinTriesAndLowUserPinWithTheSoPinPath) {
  const auto all = findings(initialised(7, 2));
  const Finding* so = find(all, "hsm-so-pin-low");
  ASSERT_TRUE(so);
  EXPECT_EQ(so->severity, Severity::kWarning);
  EXPECT_NE(so->evidence.find("7 of 15"), std::string::npos);
  EXPECT_NE(so->next_step.find("16 hexadecimal digits"), std::string::npos);
  EXPECT_NE(so->next_step.find("no factory reset"), std::string::npos);
  const Finding* user = find(all, "hsm-user-pin-low");
  ASSERT_TRUE(user);
  EXPECT_NE(user->next_step.find("hsm-pin-unblock"), std::string::npos);
}

TEST(HsmFindings, BlockedSoPinMeansTheFirmwareUpdateAndANewIdentity) {
  const auto all = findings(initialised(0, 0));
  const Finding* so = find(all, "hsm-so-pin-blocked");
  ASSERT_TRUE(so);
  EXPECT_EQ(so->severity, Severity::kCritical);
  EXPECT_NE(so->next_step.find("firmware update"), std::string::npos);
  EXPECT_NE(so->next_step.find("new identity"), std::string::npos);
  const Finding* user = find(all, "hsm-user-pin-blocked");
  ASSERT_TRUE(user);
  EXPECT_EQ(user->next_step.find("hsm-pin-unblock"), std::string::npos)
      << "no SO-PIN path when it is blocked";
  EXPECT_FALSE(find(all, "hsm-so-pin-low"));
}

TEST(HsmFindings, BlockedUserPinWithoutTheResetOptionNeedsReinitialisation) {
  const auto all = findings(initialised(15, 0, 0x0000));
  const Finding* user = find(all, "hsm-user-pin-blocked");
  ASSERT_TRUE(user);
  EXPECT_NE(user->next_step.find("re-initialisation"), std::string::npos);
  EXPECT_NE(user->next_step.find("deletes every key"), std::string::npos);
  EXPECT_FALSE(find(all, "hsm-so-pin-low")) << "15 of 15: nothing spent";
}

TEST(HsmFindings, NotInitialisedAndTransportPin) {
  HsmState fresh;
  fresh.version = "3.5";
  fresh.options = 0;
  EXPECT_TRUE(find(findings(fresh), "hsm-not-initialized"));
  auto transport = initialised(15, 3, 0x0003);
  transport.user_remaining.reset();
  transport.user_transport_pin = true;
  EXPECT_TRUE(find(findings(transport), "hsm-transport-pin"));
}
