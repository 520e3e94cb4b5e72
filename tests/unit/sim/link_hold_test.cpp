// keydesk-sim's hold seam: which exchange completes a CTAP getInfo on each link, and that a held link
// waits for `release` while the other link and the control channel go on.
#include "sim/link_hold.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace keydesk::sim {
namespace {
using namespace std::chrono_literals;

Bytes hex(const char* h) {
  return *from_hex(h);
}

TEST(NfcctapAnswerWatch, AGetInfoAnswerCompletesWithItsLastPart) {
  NfcctapAnswerWatch watch;
  // whole: NFCCTAP_MSG getInfo, status 00 + map, 9000
  EXPECT_EQ(watch.completed(hex("80100000010400"), hex("00A1040A9000")), HoldTrigger::kCtapGetInfo);
  // split by 61xx: complete only with the GET RESPONSE that ends in 9000
  EXPECT_EQ(watch.completed(hex("80100000010400"), hex("00A104610A")), std::nullopt);
  EXPECT_EQ(watch.completed(hex("00C000000A"), hex("0A0B6105")), std::nullopt);
  EXPECT_EQ(watch.completed(hex("00C0000005"), hex("0C9000")), HoldTrigger::kCtapGetInfo);
  // a GET RESPONSE with nothing pending completes nothing
  EXPECT_EQ(watch.completed(hex("00C0000005"), hex("0C9000")), std::nullopt);
}

TEST(NfcctapAnswerWatch, OtherRequestsAndFailedAnswersAreNotGetInfo) {
  NfcctapAnswerWatch watch;
  EXPECT_EQ(watch.completed(hex("8010000001040000"), hex("2E9000")), std::nullopt) << "CTAP error status";
  EXPECT_EQ(watch.completed(hex("8010000006A20101020100"), hex("00A10308"
                                                               "9000")),
            std::nullopt)
      << "clientPIN, not getInfo";
  EXPECT_EQ(watch.completed(hex("801000000104"), hex("6A82")), std::nullopt) << "not answered";
  EXPECT_EQ(watch.completed(hex("00A4040008A0000006472F0001"), hex("9000")), std::nullopt);
  // a getInfo split by 61xx, then something else: the pending part is forgotten
  EXPECT_EQ(watch.completed(hex("801000000104"), hex("00A1610A")), std::nullopt);
  EXPECT_EQ(watch.completed(hex("00A4040008A0000006472F0001"), hex("9000")), std::nullopt);
  EXPECT_EQ(watch.completed(hex("00C000000A"), hex("0A9000")), std::nullopt);
}

TEST(TriggerOfCtap, OnlyASuccessfulGetInfo) {
  EXPECT_EQ(trigger_of_ctap(hex("04"), hex("00A0")), HoldTrigger::kCtapGetInfo);
  EXPECT_EQ(trigger_of_ctap(hex("04"), hex("01")), std::nullopt);
  EXPECT_EQ(trigger_of_ctap(hex("0600"), hex("00A0")), std::nullopt);
  EXPECT_EQ(trigger_of_ctap(hex("04"), {}), std::nullopt);
}

TEST(LinkHold, HoldsTheMatchingLinkUntilReleasedAndOnlyOnce) {
  SimLog log(false);
  LinkHold hold(log);
  EXPECT_FALSE(hold.release().ok()) << "nothing to release";
  EXPECT_FALSE(hold.wait_held(10ms).ok()) << "nothing armed";
  ASSERT_TRUE(hold.arm(SimLink::kPcsc, HoldTrigger::kCtapGetInfo).ok());
  EXPECT_FALSE(hold.arm(SimLink::kCtaphid, HoldTrigger::kCtapGetInfo).ok()) << "one hold at a time";
  // The other link, and answers that are not the trigger, pass straight through.
  hold.after_answer(SimLink::kCtaphid, HoldTrigger::kCtapGetInfo);
  hold.after_answer(SimLink::kPcsc, std::nullopt);
  EXPECT_EQ(hold.state().phase, LinkHold::Phase::kArmed);
  EXPECT_FALSE(hold.wait_held(20ms).ok()) << "not held yet";

  std::atomic<bool> passed{false};
  std::thread link([&] {
    hold.after_answer(SimLink::kPcsc, HoldTrigger::kCtapGetInfo);
    passed = true;
  });
  ASSERT_TRUE(hold.wait_held(5s).ok());
  EXPECT_EQ(hold.state().phase, LinkHold::Phase::kHeld);
  EXPECT_FALSE(passed) << "a held link waits";
  hold.after_answer(SimLink::kCtaphid, HoldTrigger::kCtapGetInfo);  // the other link goes on meanwhile
  ASSERT_TRUE(hold.release().ok());
  link.join();
  EXPECT_TRUE(passed);
  EXPECT_EQ(hold.state().phase, LinkHold::Phase::kNone);
  hold.after_answer(SimLink::kPcsc, HoldTrigger::kCtapGetInfo);  // used once: no second hold
}

TEST(LinkHold, ANonBlockingHoldSaysWhileItLasts) {
  SimLog log(false);
  LinkHold hold(log);
  EXPECT_FALSE(hold.hold_if_armed(SimLink::kCtaphid, HoldTrigger::kCtapGetInfo)) << "nothing armed";
  ASSERT_TRUE(hold.arm(SimLink::kCtaphid, HoldTrigger::kCtapGetInfo).ok());
  EXPECT_FALSE(hold.hold_if_armed(SimLink::kPcsc, HoldTrigger::kCtapGetInfo)) << "the other link";
  EXPECT_FALSE(hold.hold_if_armed(SimLink::kCtaphid, std::nullopt)) << "not the trigger";
  auto still_held = hold.hold_if_armed(SimLink::kCtaphid, HoldTrigger::kCtapGetInfo);
  ASSERT_TRUE(still_held);
  EXPECT_TRUE(hold.wait_held(10ms).ok());
  EXPECT_TRUE(still_held());
  ASSERT_TRUE(hold.release().ok());
  EXPECT_FALSE(still_held());
  EXPECT_FALSE(hold.hold_if_armed(SimLink::kCtaphid, HoldTrigger::kCtapGetInfo)) << "used once";
}

TEST(LinkHold, ShutdownEndsAHoldAndAWait) {
  SimLog log(false);
  LinkHold hold(log);
  ASSERT_TRUE(hold.arm(SimLink::kCtaphid, HoldTrigger::kCtapGetInfo).ok());
  std::thread link([&] { hold.after_answer(SimLink::kCtaphid, HoldTrigger::kCtapGetInfo); });
  ASSERT_TRUE(hold.wait_held(5s).ok());
  hold.shutdown();
  link.join();
  EXPECT_FALSE(hold.wait_held(5s).ok());
}

}  // namespace
}  // namespace keydesk::sim
