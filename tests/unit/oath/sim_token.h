// A keydesk-sim card with the OATH, ACA and management applets, reached through the in-process transport
// as a host application would reach it.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "card/card.h"
#include "card/oath/aca_applet.h"
#include "card/oath/management_applet.h"
#include "card/oath/oath_applet.h"
#include "card/profile.h"
#include "card/state_file.h"
#include "host/apdu_connection.h"
#include "transport/loopback_transport.h"

namespace keydesk::testing {

inline Bytes hex(const char* text) {
  return *from_hex(text);
}

// The seed document of a profile in the source tree.
inline nlohmann::json profile(const std::string& name) {
  auto doc = card::load_profile(name, {KEYDESK_PROFILE_SOURCE_DIR});
  EXPECT_TRUE(doc.ok()) << describe(doc.error());
  return doc ? *doc : nlohmann::json::object();
}

class SimToken {
 public:
  // Seeds from a profile or loads a saved state document (keydesk-sim does the same on start).
  explicit SimToken(const nlohmann::json& doc, std::string state_path = {}) : card_(std::move(state_path)) {
    card_.emplace_applet<card::OathApplet>();
    card_.emplace_applet<card::AcaApplet>();
    card_.emplace_applet<card::ManagementApplet>();
    const Status loaded = card_.load(doc);
    EXPECT_TRUE(loaded.ok()) << describe(loaded.error());
  }
  explicit SimToken(const char* profile_name) : SimToken(profile(profile_name)) {}

  card::Card& card() { return card_; }
  host::ApduConnection& connection() { return connection_; }
  // Raw exchange: hex in, upper-case hex out (data and SW), for wire-level assertions.
  std::string raw(const char* command_hex) { return to_hex(card_.transmit(hex(command_hex)), true); }

 private:
  card::Card card_;
  transport::LoopbackTransport transport_{card_};
  host::ApduConnection connection_{transport_};
};

}  // namespace keydesk::testing
