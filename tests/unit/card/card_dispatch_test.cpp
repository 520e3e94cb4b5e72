// The Card's ISO plumbing: SELECT by AID prefix, command chaining, 61xx response chaining,
// persistence before the response, and rollback when the state cannot be written.
#include <gtest/gtest.h>

#include <filesystem>

#include "card/card.h"
#include "card/state_file.h"
#include "fixtures/simulated_disk.h"

using namespace keydesk;
using namespace keydesk::card;

namespace {
Bytes hex(const char* h) {
  return *from_hex(h);
}

// A minimal applet: INS 01 stores data (persistent), INS 02 returns N bytes, INS 03 returns the stored data.
class EchoApplet final : public Applet {
 public:
  explicit EchoApplet(CardContext&) {}
  std::string_view name() const override { return "echo"; }
  ByteView aid() const override { return aid_; }
  ResponseApdu select(const CommandApdu&) override { return ResponseApdu::success(Bytes{0x61, 0x00}); }
  ResponseApdu process(const CommandApdu& c) override {
    if (c.ins == 0x01) {
      stored_ = c.data;
      return ResponseApdu::success();
    }
    if (c.ins == 0x02) return ResponseApdu::success(Bytes(size_t{c.p1} * 256 + c.p2, 0x5A));
    if (c.ins == 0x03) return ResponseApdu::success(stored_);
    return ResponseApdu::status(iso7816::sw::kInsNotSupported);
  }
  void reset_volatile() override {}
  json save() const override { return json{{"stored", to_hex(stored_)}}; }
  Status load(const json& j) override {
    stored_ = *from_hex(j.value("stored", ""));
    return {};
  }

 private:
  Bytes aid_ = hex("F00000000101");
  Bytes stored_;
};

json minimal_profile() {
  return json{{"card", {{"atr", "3b8d800180"}, {"cplc", "random"}, {"serial", 1234}}}};
}
}  // namespace

TEST(CardDispatch, SelectByPrefixAndUnknownAid) {
  Card card;
  card.emplace_applet<EchoApplet>();
  ASSERT_TRUE(card.load(minimal_profile()).ok());
  EXPECT_EQ(to_hex(card.transmit(hex("00A4040005F000000001"))), "61009000");
  EXPECT_EQ(to_hex(card.transmit(hex("00A4040005A000000308"))), "6a82");
  EXPECT_EQ(to_hex(card.transmit(hex("00A4040003F00000"))), "6a82") << "prefix under 5 bytes must not select";
}

TEST(CardDispatch, NothingSelectedAnswers6D00AndCplcWorksAlways) {
  Card card;
  card.emplace_applet<EchoApplet>();
  ASSERT_TRUE(card.load(minimal_profile()).ok());
  EXPECT_EQ(to_hex(card.transmit(hex("00CADF3005"))), "6d00");
  Bytes cplc = card.transmit(hex("80CA9F7F00"));
  ASSERT_EQ(cplc.size(), 3u + 42u + 2u);
  EXPECT_EQ(cplc[0], 0x9F);
  EXPECT_EQ(to_hex(ByteView(cplc).last(2)), "9000");
}

TEST(CardDispatch, ResponseChainingServesPiecesOfAtMost256) {
  Card card;
  card.emplace_applet<EchoApplet>();
  ASSERT_TRUE(card.load(minimal_profile()).ok());
  card.transmit(hex("00A4040005F000000001"));
  Bytes r = card.transmit(hex("0002012C00"));  // 300 bytes wanted
  ASSERT_EQ(r.size(), 258u);
  EXPECT_EQ(to_hex(ByteView(r).last(2)), "612c");
  Bytes rest = card.transmit(hex("00C0000000"));
  EXPECT_EQ(rest.size(), 44u + 2u);
  EXPECT_EQ(to_hex(ByteView(rest).last(2)), "9000");
  // GET RESPONSE with nothing pending is refused.
  EXPECT_EQ(to_hex(card.transmit(hex("00C0000000"))), "6985");
}

TEST(CardDispatch, CommandChainingAccumulatesAndRejectsOutOfOrder) {
  Card card;
  card.emplace_applet<EchoApplet>();
  ASSERT_TRUE(card.load(minimal_profile()).ok());
  card.transmit(hex("00A4040005F000000001"));
  EXPECT_EQ(to_hex(card.transmit(hex("1001000002AABB"))), "9000");
  EXPECT_EQ(to_hex(card.transmit(hex("0001000001CC"))), "9000");
  EXPECT_EQ(to_hex(card.transmit(hex("0003000000"))), "aabbcc9000");
  // A chain interrupted by another instruction is refused and leaves the stored data alone.
  EXPECT_EQ(to_hex(card.transmit(hex("1001000001DD"))), "9000");
  EXPECT_EQ(to_hex(card.transmit(hex("0003000000"))), "6883");
  EXPECT_EQ(to_hex(card.transmit(hex("0003000000"))), "aabbcc9000");
}

TEST(CardDispatch, StateIsWrittenBeforeTheResponseAndRolledBackWhenItCannotBe) {
  const auto dir = std::filesystem::temp_directory_path() / ("kd-card-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "state.json").string();
  {
    Card card(path);
    card.emplace_applet<EchoApplet>();
    ASSERT_TRUE(card.load(minimal_profile()).ok());
    card.transmit(hex("00A4040005F000000001"));
    const auto writes = card.persist_count();
    EXPECT_EQ(to_hex(card.transmit(hex("0001000002ABCD"))), "9000");
    EXPECT_EQ(card.persist_count(), writes + 1);
    auto on_disk = read_json_file(path);
    ASSERT_TRUE(on_disk.ok());
    EXPECT_EQ((*on_disk)["applets"]["echo"]["stored"], "abcd");
    card.transmit(hex("0003000000"));
    EXPECT_EQ(card.persist_count(), writes + 1) << "a read must not rewrite the state";

    std::filesystem::permissions(dir,
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    if (::geteuid() != 0) {  // root ignores directory permissions
      EXPECT_EQ(to_hex(card.transmit(hex("0001000001EE"))), "6581");
      EXPECT_EQ(to_hex(card.transmit(hex("0003000000"))), "abcd9000");
    }
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all);
  }
  // A new card loads what the old one wrote.
  Card again(path);
  again.emplace_applet<EchoApplet>();
  ASSERT_TRUE(again.load(*read_json_file(path)).ok());
  again.transmit(hex("00A4040005F000000001"));
  EXPECT_EQ(to_hex(again.transmit(hex("0003000000"))), "abcd9000");
  std::filesystem::remove_all(dir);
}

// The same rule on a store that fails on demand, so it holds for every user (root ignores the directory
// permissions above): a change the store could not take is answered 6581 and undone in memory.
TEST(CardDispatch, AChangeTheStoreRefusesIsAnswered6581AndUndone) {
  keydesk::testing::SimulatedDisk disk;
  Card card(std::make_unique<keydesk::testing::SimulatedDiskStore>(disk));
  card.emplace_applet<EchoApplet>();
  ASSERT_TRUE(card.load(minimal_profile()).ok());
  card.transmit(hex("00A4040005F000000001"));
  EXPECT_EQ(to_hex(card.transmit(hex("0001000002ABCD"))), "9000");
  const auto durable = disk.durable;
  const auto writes = card.persist_count();

  disk.fail_next_write = true;
  EXPECT_EQ(to_hex(card.transmit(hex("0001000001EE"))), "6581");
  EXPECT_EQ(to_hex(card.transmit(hex("0003000000"))), "abcd9000") << "the refused change must be undone";
  EXPECT_EQ(disk.durable, durable);
  EXPECT_EQ(card.persist_count(), writes);

  // The store works again: the next change is written and answered.
  EXPECT_EQ(to_hex(card.transmit(hex("0001000001EE"))), "9000");
  EXPECT_EQ(to_hex(card.transmit(hex("0003000000"))), "ee9000");
  EXPECT_EQ(card.persist_count(), writes + 1);
}
