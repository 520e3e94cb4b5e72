// The simulated SmartCard-HSM at the wire: what each PIN-carrying command does to the two counters, that
// status queries and refused commands spend nothing, and that the state survives save/load unchanged.
#include "card/hsm/hsm_applet.h"

#include <gtest/gtest.h>

#include "card/card.h"
#include "card/profile.h"

using namespace keydesk;

namespace {

class HsmCard {
 public:
  explicit HsmCard(const char* profile_name) {
    card_.emplace_applet<card::hsm::HsmApplet>();
    auto doc = card::load_profile(profile_name, {KEYDESK_PROFILE_SOURCE_DIR});
    EXPECT_TRUE(doc.ok());
    EXPECT_TRUE(card_.load(*doc).ok());
    EXPECT_EQ(send("00A404000BE82B0601040181C31F020100").substr(0, 2), "62");
  }
  // Upper-case hex of data and SW.
  std::string send(const std::string& hex) { return to_hex(card_.transmit(*from_hex(hex)), true); }
  std::string sw(const std::string& hex) {
    auto r = send(hex);
    return r.substr(r.size() - 4);
  }
  nlohmann::json hsm() { return card_.save()["applets"]["hsm"]; }
  card::Card& card() { return card_; }

 private:
  card::Card card_;
};

const std::string kInit =  // options 0001, user PIN 648219, SO-PIN 3537363231383830, 3 tries
    "8050000019800200018106363438323139820835373632313838309101 03";

}  // namespace

TEST(HsmApplet, FreshDeviceIsNotInitialisedAndStatusQueriesSpendNothing) {
  HsmCard c("sc-hsm");
  EXPECT_EQ(c.sw("00200088"), "6A88");
  EXPECT_EQ(c.sw("00200081"), "6A88");
  EXPECT_EQ(c.sw("00200085"), "6A88") << "no PIN pad: OpenSC must not see a protected path";
  EXPECT_EQ(c.sw("002C00810E353736323138383031323334353 6"), "6A88");
  EXPECT_EQ(c.sw(kInit), "9000");
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(c.sw("00200088"), "63CF");
    EXPECT_EQ(c.sw("00200081"), "63C3");
  }
}

TEST(HsmApplet, WrongSoPinSpendsExactlyOneTryAndTheRightOneRestoresThem) {
  HsmCard c("sc-hsm-seed004");
  EXPECT_EQ(c.sw("00200088"), "63C7");
  EXPECT_EQ(c.sw("00200081"), "63C2");
  // The documented default is not this device's SO-PIN.
  EXPECT_EQ(c.sw(kInit), "63C6");
  EXPECT_EQ(c.sw("00200088"), "63C6");
  EXPECT_EQ(c.sw("00200081"), "63C2") << "a refused initialisation leaves the user PIN alone";
  // Malformed: an SO-PIN of 4 bytes, a user PIN of 5, public key authentication: nothing spent.
  EXPECT_EQ(c.sw("8050000015800200018106363438323139820435373632910103"), "6A80");
  EXPECT_EQ(c.sw("8050000018800200018105363438323182083335333733363332910103"), "6A80");
  EXPECT_EQ(c.sw("805000001A8002000181063634383231398208333533373336333293020101"), "6A81");
  EXPECT_EQ(c.sw("00200088"), "63C6");
  // CHANGE REFERENCE DATA of the SO-PIN with a wrong current one: one try.
  EXPECT_EQ(c.sw("00240088100011223344556677 0011223344556677"), "63C5");
  // RESET RETRY COUNTER with the right SO-PIN: user PIN replaced, both counters full.
  EXPECT_EQ(c.sw("002C00810E3335333733363332313131313131"), "9000");
  EXPECT_EQ(c.sw("00200088"), "63CF");
  EXPECT_EQ(c.sw("00200081"), "63C3");
  EXPECT_EQ(c.sw("0020008106313131313131"), "9000");
}

TEST(HsmApplet, ResetRetryCounterOnlyWhereTheInitialisationEnabledIt) {
  HsmCard c("sc-hsm");
  // options 0000: no user PIN reset with the SO-PIN.
  EXPECT_EQ(c.sw("8050000019800200008106363438323139820835373632313838309101 03"), "9000");
  EXPECT_EQ(c.sw("002C00810E3537363231383830313131313131"), "6986");
  EXPECT_EQ(c.sw("002C00810E0000000000000000313131313131"), "6986");
  EXPECT_EQ(c.sw("00200088"), "63CF") << "refused before the SO-PIN was looked at";
}

TEST(HsmApplet, BlockedSoPinRefusesEverythingWithoutCounting) {
  HsmCard c("sc-hsm");
  ASSERT_EQ(c.sw(kInit), "9000");
  for (int left = 14; left >= 0; --left)
    EXPECT_EQ(c.sw("8050000019800200018106363438323139820800000000000000009101 03"),
              "63C" + std::string(1, "0123456789ABCDEF"[left]));
  EXPECT_EQ(c.sw("00200088"), "6983");
  EXPECT_EQ(c.sw(kInit), "6983") << "not even the right SO-PIN: there is no way back";
  EXPECT_EQ(c.hsm()["so_pin"]["remaining"], 0);
}

TEST(HsmApplet, TransportPinMustBeChangedFirst) {
  HsmCard c("sc-hsm");
  ASSERT_EQ(c.sw("8050000019800200038106363438323139820835373632313838309101 03"), "9000");
  EXPECT_EQ(c.sw("00200081"), "6984");
  EXPECT_EQ(c.sw("0020008106363438323139"), "6984");
  EXPECT_EQ(c.sw("002400810C363438323139313131313131"), "9000");
  EXPECT_EQ(c.sw("00200081"), "9000") << "verified by the change";
}

TEST(HsmApplet, KeysAndFilesNeedTheUserPinAndStateRoundTrips) {
  HsmCard c("sc-hsm");
  ASSERT_EQ(c.sw(kInit), "9000");
  EXPECT_EQ(c.sw("00D72F030A5402000053044142434400"), "6982") << "writing needs the user PIN";
  ASSERT_EQ(c.sw("0020008106363438323139"), "9000");
  EXPECT_EQ(c.sw("00D72F030A54020000530441424344"), "9000");
  EXPECT_EQ(c.send("00B12F030454020000 00"), "414243449000");
  EXPECT_EQ(c.send("00B12F030454020004 00"), "6282");
  EXPECT_EQ(c.sw("00B1CC000454020000 00"), "6982") << "keys are never readable";
  const auto saved = c.card().save();
  card::Card again;
  again.emplace_applet<card::hsm::HsmApplet>();
  const Status loaded = again.load(saved, card::Card::Origin::kStateFile);
  ASSERT_TRUE(loaded.ok()) << describe(loaded.error());
  EXPECT_EQ(again.save(), saved);
  auto broken = saved;
  broken["applets"]["hsm"]["so_pin"]["remaining"] = 16;
  card::Card refused;
  refused.emplace_applet<card::hsm::HsmApplet>();
  EXPECT_FALSE(refused.load(broken, card::Card::Origin::kStateFile).ok());
}
