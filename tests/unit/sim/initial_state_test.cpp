#include "sim/initial_state.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "card/card.h"
#include "card/state_file.h"
#include "token/standard_token.h"

namespace keydesk::sim {
namespace {
namespace fs = std::filesystem;

class InitialStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("keydesk-sim-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  const std::vector<std::string> search_{KEYDESK_PROFILE_SOURCE_DIR};
  fs::path dir_;
};

TEST_F(InitialStateTest, SeedsOnlyAMissingFile) {
  auto seeded = initial_state(path("new.json"), "factory", search_);
  ASSERT_TRUE(seeded.ok()) << describe(seeded.error());
  EXPECT_TRUE(seeded->seeded);
  EXPECT_EQ(seeded->document["card"]["profile"], "factory");
}

TEST_F(InitialStateTest, LoadsAnExistingStateAsItIsWhateverTheProfile) {
  // A token seeded from one profile and saved: starting again with another --profile keeps it.
  card::Card card(path("state.json"));
  auto seed = initial_state(path("state.json"), "factory", search_);
  ASSERT_TRUE(seed.ok());
  token::install_standard_applets(card, seed->document);
  ASSERT_TRUE(card.load(seed->document).ok());
  const std::string cplc = card.save()["card"]["cplc"];

  auto loaded = initial_state(path("state.json"), "yubikey5", search_);
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->seeded);
  EXPECT_EQ(loaded->document["card"]["profile"], "factory");
  EXPECT_EQ(loaded->document["card"]["cplc"], cplc);
  EXPECT_TRUE(loaded->document["applets"].contains("aca"));
}

TEST_F(InitialStateTest, RefusesFilesThatAreNotStateFiles) {
  for (const char* content : {"not json", "{\"card\": {}}", "[1, 2]"}) {
    std::ofstream(path("bad.json")) << content;
    auto r = initial_state(path("bad.json"), "factory", search_);
    ASSERT_FALSE(r.ok()) << content;
    EXPECT_EQ(r.error().kind, ErrorKind::kMalformed);
    EXPECT_NE(r.error().context.find("not a keydesk-sim state file"), std::string::npos);
  }
}

TEST_F(InitialStateTest, NeedsAProfileToSeedAndAKnownOne) {
  EXPECT_EQ(initial_state(path("none.json"), "", search_).error().kind, ErrorKind::kUsage);
  EXPECT_EQ(initial_state(path("none.json"), "no-such-profile", search_).error().kind, ErrorKind::kNotFound);
}

TEST(StandardToken, InstallsAnAppletPerSectionOfTheDocument) {
  card::Card card;
  const card::json doc = {{"card", {{"atr", "3b8d80018073c021c057597562694b6579f9"}}},
                          {"applets", {{"oath", card::json::object()}, {"fido", card::json::object()}}}};
  const auto installed = token::install_standard_applets(card, doc);
  ASSERT_TRUE(card.load(doc).ok());
  EXPECT_NE(installed.fido, nullptr);
  const auto applets = card.save()["applets"];
  EXPECT_TRUE(applets.contains("oath"));
  EXPECT_TRUE(applets.contains("fido"));
  EXPECT_FALSE(applets.contains("aca"));  // not in the document: not on the card
  // SELECT of the absent ACA: 6A82; of the present OATH applet: 9000.
  EXPECT_EQ(to_hex(card.transmit(*from_hex("00A404000BF06B65796465736B414341"))), "6a82");
  const Bytes oath_select = card.transmit(*from_hex("00A4040007A0000005272101"));
  EXPECT_EQ(to_hex(ByteView(oath_select).last(2)), "9000");
}

}  // namespace
}  // namespace keydesk::sim
