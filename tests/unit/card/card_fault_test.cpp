// Faults: an applet that throws or a state that cannot be written answers 6F00 and commits nothing;
// keydesk-sim's freeze holds requests until thaw and drops them on a power loss; the host's
// DeadlineRunner ends a stuck call with kTimeout and abandons the link.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include "card/card.h"
#include "transport/deadline_runner.h"

using namespace keydesk;
using namespace keydesk::card;
using namespace std::chrono_literals;

namespace {
Bytes hex(const char* h) {
  return *from_hex(h);
}

// INS 01 stores data; INS 03 returns it; INS 04 stores, then throws; INS 05 stores the data as raw text
// (save() then holds a string that is not UTF-8 when the data is not).
class FaultyApplet final : public Applet {
 public:
  explicit FaultyApplet(CardContext&) {}
  std::string_view name() const override { return "faulty"; }
  ByteView aid() const override { return aid_; }
  ResponseApdu select(const CommandApdu&) override { return ResponseApdu::success(); }
  ResponseApdu process(const CommandApdu& c) override {
    if (c.ins == 0x01) stored_ = c.data;
    if (c.ins == 0x03) return ResponseApdu::success(stored_);
    if (c.ins == 0x04) {
      stored_ = c.data;
      throw std::runtime_error("applet bug");
    }
    if (c.ins == 0x05) text_ = string_of(c.data);
    return ResponseApdu::success();
  }
  void reset_volatile() override {}
  json save() const override { return json{{"stored", to_hex(stored_)}, {"text", text_}}; }
  Status load(const json& j) override {
    stored_ = *from_hex(j.value("stored", ""));
    text_ = j.value("text", "");
    return {};
  }

 private:
  Bytes aid_ = hex("F00000000201");
  Bytes stored_;
  std::string text_;
};

json minimal_profile() {
  return json{{"card", {{"atr", "3b8d800180"}, {"cplc", "random"}, {"serial", 1234}}}};
}

TEST(CardFaults, AnAppletThatThrowsAnswers6F00AndCommitsNothing) {
  Card card;
  card.emplace_applet<FaultyApplet>();
  ASSERT_TRUE(card.load(minimal_profile()).ok());
  EXPECT_EQ(to_hex(card.transmit(hex("00A4040006F00000000201"))), "9000");
  EXPECT_EQ(to_hex(card.transmit(hex("0001000002AAAA"))), "9000");
  EXPECT_EQ(to_hex(card.transmit(hex("0004000002BBBB"))), "6f00");
  EXPECT_EQ(card.fault_count(), 1u);
  // The throw rolled the state back and deselected: the stored data is still AAAA.
  EXPECT_EQ(to_hex(card.transmit(hex("00A4040006F00000000201"))), "9000");
  EXPECT_EQ(to_hex(card.transmit(hex("0003000000"))), "aaaa9000");
}

TEST(CardFaults, AStateThatCannotBeWrittenAnswers6F00AndCommitsNothing) {
  Card card;
  card.emplace_applet<FaultyApplet>();
  ASSERT_TRUE(card.load(minimal_profile()).ok());
  EXPECT_EQ(to_hex(card.transmit(hex("00A4040006F00000000201"))), "9000");
  EXPECT_EQ(to_hex(card.transmit(hex("0001000002AAAA"))), "9000");
  EXPECT_EQ(to_hex(card.transmit(hex("0005000001FF"))), "6f00");  // text "\xFF" in save(): strict dump throws
  EXPECT_EQ(card.save()["applets"]["faulty"]["text"], "");
  EXPECT_NO_THROW((void)card.save().dump());
}

TEST(CardFreeze, HoldsUntilThawAndCountsCommands) {
  Card card;
  ASSERT_TRUE(card.load(minimal_profile()).ok());
  card.freeze(2);
  EXPECT_TRUE(card.await_unfrozen(true));
  EXPECT_TRUE(card.await_unfrozen(false));  // an ATR request does not count
  EXPECT_TRUE(card.await_unfrozen(true));
  auto held = std::async(std::launch::async, [&] { return card.await_unfrozen(true); });
  for (int i = 0; i < 200 && card.freeze_state().held == 0; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(card.freeze_state().held, 1u);
  EXPECT_TRUE(card.freeze_state().frozen);
  card.thaw();
  EXPECT_TRUE(held.get()) << "thawed: the held request is answered";
  EXPECT_EQ(card.freeze_state().held, 0u);
}

TEST(CardFreeze, APowerLossDropsWhatWasHeld) {
  Card card;
  ASSERT_TRUE(card.load(minimal_profile()).ok());
  card.freeze();
  auto held = std::async(std::launch::async, [&] { return card.await_unfrozen(true); });
  for (int i = 0; i < 200 && card.freeze_state().held == 0; ++i) std::this_thread::sleep_for(5ms);
  card.power_cycle();
  EXPECT_FALSE(held.get()) << "removed while frozen: never answered";
  EXPECT_FALSE(card.freeze_state().frozen);
  EXPECT_TRUE(card.await_unfrozen(true));
}

TEST(DeadlineRunner, RunsCallsAndTimesOutAStuckOne) {
  transport::DeadlineRunner runner(200ms);
  int value = 0;
  auto shared = std::make_shared<int>(0);
  ASSERT_TRUE(runner.run([shared] { *shared = 42; }, "quick").ok());
  value = *shared;
  EXPECT_EQ(value, 42);

  auto release = std::make_shared<std::promise<void>>();
  auto released = release->get_future().share();
  auto finished = std::make_shared<std::atomic<bool>>(false);
  const auto start = std::chrono::steady_clock::now();
  const Status stuck = runner.run(
      [released, finished] {
        released.wait();
        *finished = true;
      },
      "stuck call");
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(stuck.ok());
  EXPECT_EQ(stuck.error().kind, ErrorKind::kTimeout);
  EXPECT_NE(describe(stuck.error()).find("stuck call: no answer within 0.2 s"), std::string::npos);
  EXPECT_GE(waited, 200ms);
  EXPECT_LT(waited, 2s);
  EXPECT_TRUE(runner.abandoned());

  // Abandoned: later calls fail at once and never run.
  bool ran = false;
  const auto again = std::chrono::steady_clock::now();
  EXPECT_EQ(runner.run([&ran] { ran = true; }, "later").error().kind, ErrorKind::kTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - again, 50ms);
  EXPECT_FALSE(ran);

  // The stuck call still owns what it captured and finishes on its own thread once released.
  release->set_value();
  for (int i = 0; i < 200 && !*finished; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(*finished);
}

TEST(DeadlineRunner, DestroyingAnAbandonedRunnerDoesNotWait) {
  auto release = std::make_shared<std::promise<void>>();
  auto released = release->get_future().share();
  const auto start = std::chrono::steady_clock::now();
  {
    transport::DeadlineRunner runner(50ms);
    EXPECT_FALSE(runner.run([released] { released.wait(); }, "stuck").ok());
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  release->set_value();
}

}  // namespace
