#include "sim/control_protocol.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace keydesk::sim {
namespace {
using Mode = card::UserPresence::Mode;

TEST(ControlProtocol, ParsesEveryCommand) {
  EXPECT_EQ(parse_control_command("remove")->verb, ControlVerb::kRemove);
  EXPECT_EQ(parse_control_command("insert")->verb, ControlVerb::kInsert);
  EXPECT_EQ(parse_control_command("power-cycle")->verb, ControlVerb::kPowerCycle);
  EXPECT_EQ(parse_control_command("status")->verb, ControlVerb::kStatus);
  auto deny = parse_control_command("presence deny");
  ASSERT_TRUE(deny.ok());
  EXPECT_EQ(deny->verb, ControlVerb::kPresence);
  EXPECT_EQ(deny->presence, Mode::kDeny);
  EXPECT_EQ(parse_control_command("presence grant")->presence, Mode::kGrant);
}

TEST(ControlProtocol, ToleratesBlanksAndCarriageReturn) {
  EXPECT_EQ(parse_control_command("  remove \r")->verb, ControlVerb::kRemove);
  EXPECT_EQ(parse_control_command("presence\tdeny\r")->presence, Mode::kDeny);
}

TEST(ControlProtocol, RefusesWhatItDoesNotKnowAndSaysWhatItKnows) {
  for (const char* line : {"", "eject", "remove now", "presence", "presence maybe", "presence deny twice"}) {
    auto r = parse_control_command(line);
    ASSERT_FALSE(r.ok()) << line;
    EXPECT_EQ(r.error().kind, ErrorKind::kUsage);
    EXPECT_NE(r.error().context.find("presence grant|deny"), std::string::npos) << r.error().context;
  }
}

TEST(ControlProtocol, StatusIsOneLineOfJson) {
  const std::string text =
      format_status({false, Mode::kDeny, "case-study", "47905040EF76870BA1DB", 12345678, {}});
  EXPECT_EQ(text.find('\n'), std::string::npos);
  const auto doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc["inserted"], false);
  EXPECT_EQ(doc["presence"], "deny");
  EXPECT_EQ(doc["profile"], "case-study");
  EXPECT_EQ(doc["cuid"], "47905040EF76870BA1DB");
  EXPECT_EQ(doc["serial"], 12345678);
  EXPECT_TRUE(doc["hold"].is_null());
  SimStatus held;
  held.hold = {LinkHold::Phase::kHeld, SimLink::kCtaphid, HoldTrigger::kCtapGetInfo};
  const auto with_hold = nlohmann::json::parse(format_status(held));
  EXPECT_EQ(with_hold["hold"],
            (nlohmann::json{{"link", "ctaphid"}, {"after", "ctap-getinfo"}, {"held", true}}));
}

// Found by fuzz_sim_control: a profile named with bytes that are not UTF-8 made `status` throw.
TEST(ControlProtocol, StatusOfAProfileNamedWithAnyBytes) {
  SimStatus status;
  status.profile = "lab-\xFF";
  const auto doc = nlohmann::json::parse(format_status(status));
  EXPECT_EQ(doc["profileHex"], "6C61622DFF");
}

TEST(ControlProtocol, HoldSeamCommands) {
  auto pcsc = parse_control_command("hold-after pcsc ctap-getinfo");
  ASSERT_TRUE(pcsc.ok());
  EXPECT_EQ(pcsc->verb, ControlVerb::kHoldAfter);
  EXPECT_EQ(pcsc->link, SimLink::kPcsc);
  EXPECT_EQ(pcsc->trigger, HoldTrigger::kCtapGetInfo);
  EXPECT_EQ(parse_control_command("hold-after ctaphid ctap-getinfo")->link, SimLink::kCtaphid);
  EXPECT_EQ(parse_control_command("release")->verb, ControlVerb::kRelease);
  auto wait = parse_control_command("wait-held");
  ASSERT_TRUE(wait.ok());
  EXPECT_EQ(wait->verb, ControlVerb::kWaitHeld);
  EXPECT_EQ(wait->wait, kDefaultWaitHeld);
  EXPECT_EQ(parse_control_command("wait-held 5")->wait, std::chrono::seconds(5));
  for (const char* line : {"hold-after", "hold-after pcsc", "hold-after usb ctap-getinfo",
                           "hold-after pcsc getinfo", "hold-after pcsc ctap-getinfo now", "wait-held 0",
                           "wait-held 121", "wait-held -1", "wait-held 1 2", "wait-held x", "release now"}) {
    auto r = parse_control_command(line);
    ASSERT_FALSE(r.ok()) << line;
    EXPECT_EQ(r.error().kind, ErrorKind::kUsage) << line;
  }
}

TEST(ControlProtocol, FreezeAndThaw) {
  auto now = parse_control_command("freeze");
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->verb, ControlVerb::kFreeze);
  EXPECT_EQ(now->freeze_after, 0u);
  auto later = parse_control_command("freeze after 3");
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->freeze_after, 3u);
  EXPECT_EQ(parse_control_command("thaw")->verb, ControlVerb::kThaw);
  for (const char* line :
       {"freeze after", "freeze after 0", "freeze after -1", "freeze after 3x", "freeze later 3", "thaw now"})
    EXPECT_FALSE(parse_control_command(line).ok()) << line;
  const auto doc =
      nlohmann::json::parse(format_status({true, Mode::kGrant, "factory", "00", 1, {}, true, 1}));
  EXPECT_EQ(doc["frozen"], true);
  EXPECT_EQ(doc["unanswered"], 1);
}

TEST(ControlProtocol, ErrorsStayOnOneLine) {
  const std::string text = format_error(Error::make(ErrorKind::kUsage, "a\nb"));
  EXPECT_EQ(text.rfind("error: ", 0), 0u);
  EXPECT_EQ(text.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace keydesk::sim
