// What a SELECT does to the PIV security status (SP 800-73-4 Part 2 section 3.1.1, as a YubiKey 5 does it):
// selecting PIV again keeps the PIN and management-key status, selecting another application resets them,
// a reset or power cycle resets them.
#include "crypto/digest.h"
#include "fixtures/piv_token.h"

using namespace keydesk;
using namespace keydesk::testing;

namespace {
const char* kSelectRid = "00A4040005A000000308";               // ykman, yubico-piv-tool
const char* kSelectOpenSc = "00A4040009A0000003080000100000";  // OpenSC (9 bytes + Le)
const char* kSelectFullAid = "00A404000BA000000308000010000100";
const char* kPinStatus = "0020008000";

// Another application on the same card: only its AID matters here.
class OtherApplet final : public card::Applet {
 public:
  explicit OtherApplet(card::CardContext&) {}
  std::string_view name() const override { return "other"; }
  ByteView aid() const override { return aid_; }
  card::ResponseApdu select(const card::CommandApdu&) override { return card::ResponseApdu::success(); }
  card::ResponseApdu process(const card::CommandApdu&) override {
    return card::ResponseApdu::status(iso7816::sw::kInsNotSupported);
  }
  void reset_volatile() override {}
  card::json save() const override { return card::json::object(); }
  Status load(const card::json&) override { return {}; }

 private:
  Bytes aid_ = hex("F000000001");
};
const char* kSelectOther = "00A4040005F000000001";

Bytes sha256(std::string_view text) {
  return crypto::hash(crypto::HashAlg::kSha256, bytes_of(text));
}

// A P-256 key in `slot` with the slot's default policies (9A once, 9C always).
void generate_p256(PivToken& t, uint8_t slot) {
  t.authenticate();
  auto pub = t.piv().generate_key(slot, Algorithm::kEccP256);
  ASSERT_TRUE(pub.ok()) << describe(pub.error());
}

// GENERAL AUTHENTICATE 9B, step one of mutual authentication: 7C 02 80 00.
std::string witness_request() {
  return "0087039B047C028000";
}
}  // namespace

TEST(PivSession, SelectingPivAgainKeepsThePinVerified) {
  PivToken t;
  generate_p256(t, 0x9A);
  t.verify_pin();
  for (const char* select : {kSelectRid, kSelectOpenSc, kSelectFullAid}) {
    SCOPED_TRACE(select);
    ASSERT_TRUE(t.raw(select).ends_with("9000"));
    EXPECT_EQ(t.raw(kPinStatus), "9000") << "still verified";
    EXPECT_TRUE(t.piv().sign(0x9A, Algorithm::kEccP256, sha256("after a re-SELECT")).ok());
  }
}

TEST(PivSession, SelectingPivAgainKeepsTheManagementKeyAuthenticated) {
  PivToken t;
  t.authenticate();
  ASSERT_TRUE(t.raw(kSelectOpenSc).ends_with("9000"));
  EXPECT_EQ(t.raw("00DB3FFF0A5C035FC10953035A0102"), "9000") << "PUT DATA needs the management key";
}

TEST(PivSession, SelectingAnotherApplicationResetsEverySecurityStatus) {
  PivToken t;
  t.card().emplace_applet<OtherApplet>();
  generate_p256(t, 0x9A);
  t.authenticate();
  t.verify_pin();
  ASSERT_EQ(t.raw(kSelectOther), "9000");
  ASSERT_TRUE(t.raw(kSelectRid).ends_with("9000"));
  EXPECT_EQ(t.raw(kPinStatus), "63C3") << "PIN no longer verified";
  EXPECT_EQ(t.piv().sign(0x9A, Algorithm::kEccP256, sha256("after another applet")).error().code, 0x6982u);
  EXPECT_EQ(t.raw("00DB3FFF0A5C035FC10953035A0102"), "6982") << "management key no longer authenticated";
}

TEST(PivSession, AFailedSelectLeavesPivSelectedWithItsStatus) {
  PivToken t;
  t.verify_pin();
  EXPECT_EQ(t.raw("00A4040005F0FFFFFFFF"), "6A82");  // OpenSC's drivers probe AIDs the card lacks
  EXPECT_EQ(t.raw(kPinStatus), "9000");
}

TEST(PivSession, ResetAndPowerCycleForgetTheStatus) {
  PivToken t;
  t.authenticate();
  t.verify_pin();
  t.card().power_cycle();
  ASSERT_TRUE(t.raw(kSelectRid).ends_with("9000"));
  EXPECT_EQ(t.raw(kPinStatus), "63C3");
  EXPECT_EQ(t.raw("00DB3FFF0A5C035FC10953035A0102"), "6982");
}

TEST(PivSession, LogoutStillEndsTheVerification) {
  PivToken t;
  t.verify_pin();
  EXPECT_EQ(t.raw("0020FF8000"), "9000");
  EXPECT_EQ(t.raw(kPinStatus), "63C3");
}

TEST(PivSession, PinAlwaysNeedsAFreshVerifyEvenAcrossReselects) {
  PivToken t;
  generate_p256(t, 0x9C);
  t.verify_pin();
  ASSERT_TRUE(t.raw(kSelectOpenSc).ends_with("9000"));
  EXPECT_TRUE(t.piv().sign(0x9C, Algorithm::kEccP256, sha256("first")).ok())
      << "the VERIFY before the re-SELECT counts";
  ASSERT_TRUE(t.raw(kSelectOpenSc).ends_with("9000"));
  EXPECT_EQ(t.piv().sign(0x9C, Algorithm::kEccP256, sha256("second")).error().code, 0x6982u)
      << "9C (PIN always): the verification was spent";
  EXPECT_EQ(t.raw(kPinStatus), "9000") << "the PIN itself stays verified for PIN-once keys";
}

TEST(PivSession, ReselectEndsAHalfDoneManagementKeyExchange) {
  PivToken t;
  const std::string witness = t.raw(witness_request());
  ASSERT_TRUE(witness.starts_with("7C0A8008") && witness.ends_with("9000")) << witness;
  ASSERT_TRUE(t.raw(kSelectRid).ends_with("9000"));
  // Step two with any witness: nothing is pending any more.
  EXPECT_EQ(t.raw("0087039B167C148008" + std::string(16, '0') + "8108" + std::string(16, '0')), "6985");
}
