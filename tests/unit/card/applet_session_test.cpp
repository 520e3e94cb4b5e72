// What SELECT does to each applet's session on one card with PIV, YKOATH, the ACA and Yubico management
// (docs/keydesk-sim.md, "Application sessions"): PIV and the ACA keep their session when selected again
// and lose it when another applet is selected (SP 800-73-4 Part 2 section 3.1.1; docs/aca-protocol.md
// section 2); YKOATH starts a new session with every SELECT. The PIN is one reference with one counter,
// but being verified is each applet's own state.
#include <gtest/gtest.h>

#include "card/piv/piv_applet.h"
#include "fixtures/sim_token.h"
#include "host/aca/aca_session.h"
#include "host/oath/oath_session.h"
#include "protocol/aca.h"

using namespace keydesk;
using namespace keydesk::testing;
using host::VerifyResult;
using host::aca::AcaSession;
using host::oath::OathSession;

namespace {
const Bytes kCaseStudyXauthKey = hex("404142434445464748494a4b4c4d4e4f");  // profiles/case-study/aca.json
const char* kSelectPiv = "00A4040005A000000308";
const char* kSelectOath = "00A4040007A0000005272101";
const char* kPinStatus = "0020008000";

// The case-study token with every smart-card applet (PIN 000000, 6 tries; XAUTH key; a "pin" OATH
// credential).
class CaseStudyCard {
 public:
  CaseStudyCard() {
    card_.emplace_applet<card::piv::PivApplet>();
    card_.emplace_applet<card::oath::OathApplet>();
    card_.emplace_applet<card::aca::AcaApplet>();
    card_.emplace_applet<card::mgmt::ManagementApplet>();
    const Status loaded = card_.load(profile("case-study"));
    EXPECT_TRUE(loaded.ok()) << describe(loaded.error());
  }
  card::Card& card() { return card_; }
  host::ApduConnection& connection() { return connection_; }
  std::string raw(const std::string& command_hex) {
    return to_hex(card_.transmit(*from_hex(command_hex)), true);
  }

  // A help desk's answer to the pending XAUTH challenge `challenge`.
  Bytes cryptogram(ByteView challenge) {
    auto c = protocol::aca::xauth_cryptogram(crypto::BlockCipher::kAes128, kCaseStudyXauthKey, challenge);
    EXPECT_TRUE(c.ok());
    return c ? *c : Bytes{};
  }

 private:
  card::Card card_;
  keydesk::testing::LoopbackTransport transport_{card_};
  host::ApduConnection connection_{transport_};
};
}  // namespace

TEST(AppletSessions, AcaSelectedAgainKeepsPinXauthAndThePendingChallenge) {
  CaseStudyCard t;
  AcaSession aca(t.connection());
  ASSERT_TRUE(aca.select().ok());
  ASSERT_TRUE(aca.verify_pin("000000")->ok());
  auto challenge = aca.xauth_challenge();
  ASSERT_TRUE(challenge.ok());

  ASSERT_TRUE(aca.select().ok());
  EXPECT_EQ(t.raw(kPinStatus), "9000") << "PIN still verified";
  // The offline unblock (docs/aca-protocol.md section 9) may re-select between reading out the
  // challenge and presenting the cryptogram.
  auto answered = aca.xauth_authenticate(t.cryptogram(*challenge));
  ASSERT_TRUE(answered.ok() && answered->ok());
  ASSERT_TRUE(aca.select().ok());
  EXPECT_TRUE(aca.unblock_with_xauth("24681357").ok()) << "XAUTH authentication still valid";
}

TEST(AppletSessions, SelectingAnotherAppletEndsTheAcaSession) {
  CaseStudyCard t;
  AcaSession aca(t.connection());
  ASSERT_TRUE(aca.select().ok());
  ASSERT_TRUE(aca.verify_pin("000000")->ok());
  auto answered = aca.xauth_authenticate(t.cryptogram(*aca.xauth_challenge()));
  ASSERT_TRUE(answered.ok() && answered->ok());
  auto pending = aca.xauth_challenge();  // ends the XAUTH authentication, leaves a challenge pending
  ASSERT_TRUE(pending.ok());

  ASSERT_TRUE(t.raw(kSelectPiv).ends_with("9000"));
  ASSERT_TRUE(aca.select().ok());
  EXPECT_EQ(t.raw(kPinStatus), "63C6") << "PIN no longer verified; the counter is full";
  auto late = aca.xauth_authenticate(t.cryptogram(*pending));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, 0x6985u) << "the challenge died with the session";
  EXPECT_EQ(aca.unblock_with_xauth("24681357").error().code, 0x6982u);
}

TEST(AppletSessions, PivSelectedAgainKeepsThePinButAnotherAppletEndsIt) {
  CaseStudyCard t;
  ASSERT_TRUE(t.raw(kSelectPiv).ends_with("9000"));
  ASSERT_EQ(t.raw("0020008008303030303030FFFF"), "9000");
  ASSERT_TRUE(t.raw(kSelectPiv).ends_with("9000"));
  EXPECT_EQ(t.raw(kPinStatus), "9000");
  ASSERT_TRUE(t.raw(kSelectOath).ends_with("9000"));
  ASSERT_TRUE(t.raw(kSelectPiv).ends_with("9000"));
  EXPECT_EQ(t.raw(kPinStatus), "63C6");
}

TEST(AppletSessions, OnePinOneCounterButVerifiedIsPerApplet) {
  CaseStudyCard t;
  AcaSession aca(t.connection());
  ASSERT_TRUE(aca.select().ok());
  ASSERT_TRUE(aca.verify_pin("000000")->ok());
  ASSERT_TRUE(t.raw(kSelectPiv).ends_with("9000"));
  EXPECT_EQ(t.raw(kPinStatus), "63C6") << "verifying in the ACA does not log PIV in";
  EXPECT_EQ(t.raw("0020008008393939393939FFFF"), "63C5") << "a wrong PIN in PIV";
  ASSERT_TRUE(aca.select().ok());
  EXPECT_EQ(aca.properties()->pin_tries, 5) << "is spent from the one counter";
}

TEST(AppletSessions, OathStartsANewSessionWithEverySelect) {
  CaseStudyCard t;
  OathSession oath(t.connection());
  ASSERT_TRUE(oath.select().ok());
  ASSERT_TRUE(oath.set_password("correct horse").ok());
  auto first = t.raw(kSelectOath);
  auto second = t.raw(kSelectOath);
  EXPECT_NE(first, second) << "every SELECT carries a fresh challenge (tag 74)";
  ASSERT_TRUE(oath.select().ok());
  ASSERT_TRUE(*oath.validate("correct horse"));
  ASSERT_TRUE(oath.list().ok());
  ASSERT_TRUE(oath.select().ok());
  auto locked = oath.list();
  ASSERT_FALSE(locked.ok());
  EXPECT_EQ(locked.error().code, 0x6982u) << "the validation belonged to the previous SELECT";
}
