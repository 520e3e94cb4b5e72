// An Authenticator seeded from a real profile, as keydesk-sim seeds it.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "fido/authenticator.h"

namespace keydesk::fido::testing {

inline nlohmann::json profile_section(const std::string& profile) {
  std::ifstream in(std::string(KEYDESK_PROFILE_SOURCE_DIR) + "/" + profile + "/fido.json");
  return nlohmann::json::parse(in);
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(authenticator.load(profile_section("case-study")).ok()); }
  void power_cycle() {
    authenticator.reset_volatile();
    context.powered_on_at = std::chrono::steady_clock::now();
  }

  card::CardContext context;
  Authenticator authenticator{context};
};

}  // namespace keydesk::fido::testing
