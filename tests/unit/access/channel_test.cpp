// access::Channel: the declared effect decides what the channel is made of. A read-only channel's card link
// always runs through the read-only guard and its FIDO session through the read-only CTAP rule - whatever
// the code on it sends, nothing able to change a counter reaches the token - while the other effects get
// the token itself; a kLocal channel opens nothing. The runbook's diagnosis and wipes refuse a channel
// opened for another effect. A simulated case-study token behind a recording loopback.
#include "access/channel.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "card/card.h"
#include "card/profile.h"
#include "cbor/cbor.h"
#include "iso7816/apdu.h"
#include "runbook/destruction.h"
#include "runbook/diagnosis.h"
#include "token/standard_token.h"
#include "testing/loopback_transport.h"

using namespace keydesk;
using access::Effect;

namespace {

// One simulated case-study token; every APDU that reaches it is recorded, and every open_card counted.
class RecordedToken final : public access::TokenSource {
 public:
  RecordedToken() {
    auto doc = card::load_profile("case-study", {KEYDESK_PROFILE_SOURCE_DIR});
    EXPECT_TRUE(doc.ok());
    token::install_standard_applets(card, *doc);
    EXPECT_TRUE(card.load(*doc).ok());
  }
  Result<std::vector<access::TokenInfo>> list() override { return std::vector<access::TokenInfo>{info()}; }
  Result<std::unique_ptr<transport::ApduTransport>> open_card(const access::TokenInfo&) override {
    ++opened;
    return std::unique_ptr<transport::ApduTransport>(std::make_unique<Recorded>(card, sent));
  }
  access::TokenInfo info() const { return {0, "Loopback Reader 00 00", card.atr(), {}, {}}; }

  card::Card card;
  std::vector<Bytes> sent;
  int opened = 0;

 private:
  class Recorded final : public transport::ApduTransport {
   public:
    Recorded(card::Card& card, std::vector<Bytes>& log) : card_(card), log_(log) {}
    Result<Bytes> transmit(ByteView command) override {
      log_.emplace_back(command.begin(), command.end());
      return card_.transmit(command);
    }
    Bytes atr() const override { return card_.atr(); }
    std::string name() const override { return card_.name(); }

   private:
    keydesk::testing::LoopbackTransport card_;
    std::vector<Bytes>& log_;
  };
};

// Only the card link: the FIDO session runs over NFCCTAP, and no HID device or socket is tried.
access::ChannelOptions card_only(access::TraceSink trace = {}) {
  access::ChannelOptions options;
  options.trace = std::move(trace);
  options.fido_links = access::FidoLinks{true, false, false, {}};
  return options;
}

const Bytes kSelectAca = *from_hex("00A404000BF06B65796465736B414341");
// ACA VERIFY of the PIN with a wrong value (6 bytes "123456"): spends a retry wherever it arrives.
const Bytes kWrongPinVerify = *from_hex("0020008006313233343536");

bool reached(const std::vector<Bytes>& sent, const Bytes& apdu) {
  return std::find(sent.begin(), sent.end(), apdu) != sent.end();
}

// NFCCTAP requests for a PIN token (clientPIN 0x06 with subCommand 0x05 or 0x09) among `apdus`.
int pin_token_requests(const std::vector<Bytes>& apdus) {
  int n = 0;
  for (const auto& raw : apdus) {
    auto c = iso7816::parse_command(raw);
    if (!c || c->cla != 0x80 || c->ins != 0x10 || c->data.size() < 2 || c->data[0] != 0x06) continue;
    cbor::Value request;
    if (cbor::decode(ByteView(c->data).subspan(1), request) != cbor::DecodeStatus::kOk) continue;
    const cbor::Value* sub = request.find(int64_t{2});
    if (sub && sub->is_unsigned() && (sub->as_unsigned() == 0x05 || sub->as_unsigned() == 0x09)) ++n;
  }
  return n;
}

}  // namespace

TEST(Channel, ReadOnlyCardLinkRefusesAWrongPinBeforeTheTokenAndOtherEffectsSendIt) {
  for (Effect effect :
       {Effect::kReadOnly, Effect::kSpendsRetry, Effect::kWritesSecrets, Effect::kDestroysData}) {
    RecordedToken token;
    access::Channel channel(token, token.info(), effect, card_only());
    auto link = channel.card_transport();
    ASSERT_TRUE(link.ok()) << effect_name(effect);
    auto selected = (*link)->transmit(kSelectAca);
    ASSERT_TRUE(selected.ok());
    ASSERT_EQ(to_hex(ByteView(*selected).last(2), true), "9000");
    auto answer = (*link)->transmit(kWrongPinVerify);
    if (effect == Effect::kReadOnly) {
      ASSERT_FALSE(answer.ok());
      EXPECT_EQ(answer.error().kind, ErrorKind::kRefused);
      EXPECT_FALSE(reached(token.sent, kWrongPinVerify)) << "the guard let a PIN attempt through";
      EXPECT_EQ(token.card.context().pin.remaining(), 6);
      EXPECT_EQ(channel.guard_refusals(), 1u);
      EXPECT_EQ(channel.apdus_sent(), 1u) << "the refused VERIFY counted as sent";
    } else {
      ASSERT_TRUE(answer.ok()) << effect_name(effect);
      EXPECT_EQ(to_hex(ByteView(*answer).last(2), true), "63C5") << effect_name(effect);
      EXPECT_TRUE(reached(token.sent, kWrongPinVerify));
      EXPECT_EQ(token.card.context().pin.remaining(), 5);
      EXPECT_EQ(channel.guard_refusals(), 0u);
      EXPECT_EQ(channel.apdus_sent(), 2u);
    }
  }
}

TEST(Channel, ReadOnlyFidoSessionNeverSendsAPinTokenRequest) {
  RecordedToken token;
  access::Channel read_only(token, token.info(), Effect::kReadOnly, card_only());
  auto fido = read_only.fido();
  ASSERT_TRUE(fido.ok()) << describe(fido.error());
  EXPECT_EQ((*fido)->transport, "PC/SC (NFCCTAP)");
  auto listed = (*fido)->session->credentials("000000");
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().kind, ErrorKind::kRefused) << describe(listed.error());
  EXPECT_EQ(pin_token_requests(token.sent), 0) << "a PIN token request left a read-only channel";
  EXPECT_GE(read_only.ctap_refusals(), 1u);
  EXPECT_EQ(token.opened, 1) << "FIDO over NFCCTAP shares the card link";

  RecordedToken other;
  access::Channel spending(other, other.info(), Effect::kSpendsRetry, card_only());
  auto attempt = spending.fido();
  ASSERT_TRUE(attempt.ok());
  auto answered = (*attempt)->session->credentials("000000");
  ASSERT_FALSE(answered.ok());
  EXPECT_EQ(answered.error().kind, ErrorKind::kCtap) << "the key answers: it has no PIN";
  EXPECT_EQ(answered.error().code, 0x35u);
  EXPECT_GT(pin_token_requests(other.sent), 0);
  EXPECT_EQ(spending.ctap_refusals(), 0u);
}

TEST(Channel, LocalChannelOpensNothing) {
  RecordedToken token;
  access::Channel channel(token, token.info(), Effect::kLocal, card_only());
  EXPECT_EQ(channel.card().error().kind, ErrorKind::kInternal);
  EXPECT_EQ(channel.fido().error().kind, ErrorKind::kInternal);
  EXPECT_EQ(token.opened, 0);
  EXPECT_TRUE(token.sent.empty());
}

TEST(Channel, TraceMasksThePinOnAChannelThatSendsIt) {
  RecordedToken token;
  std::string trace;
  access::Channel channel(token, token.info(), Effect::kSpendsRetry,
                          card_only([&](const std::string& line) { trace += line + "\n"; }));
  auto link = channel.card_transport();
  ASSERT_TRUE(link.ok());
  (void)(*link)->transmit(kSelectAca);
  (void)(*link)->transmit(kWrongPinVerify);
  EXPECT_NE(trace.find("> 00 20 00 80"), std::string::npos) << trace;
  EXPECT_EQ(trace.find("31 32 33 34 35 36"), std::string::npos) << trace;
  EXPECT_EQ(trace.find("313233343536"), std::string::npos) << trace;
}

TEST(Channel, ATokenWithoutACardInterfaceHasNoCardLink) {
  RecordedToken token;
  access::TokenInfo fido_only{0, {}, {}, "/dev/hidraw9", "Some Key"};
  access::Channel channel(token, fido_only, Effect::kReadOnly, card_only());
  EXPECT_EQ(channel.card().error().kind, ErrorKind::kNoToken);
  EXPECT_EQ(token.opened, 0);
}

TEST(Channel, FidoLinksComeFromTheEnvironmentAndABadOneIsAUsageErrorOnlyWhenFidoIsOpened) {
  unsetenv("KEYDESK_FIDO_LINK");
  auto all = access::fido_links_from_environment();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->pcsc && all->hid && all->socket);
  setenv("KEYDESK_FIDO_LINK", "socket", 1);
  auto socket = access::fido_links_from_environment();
  ASSERT_TRUE(socket.ok());
  EXPECT_TRUE(!socket->pcsc && !socket->hid && socket->socket);
  setenv("KEYDESK_FIDO_LINK", "bluetooth", 1);
  auto bad = access::fido_links_from_environment();
  unsetenv("KEYDESK_FIDO_LINK");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kUsage);

  RecordedToken token;
  access::ChannelOptions options;
  options.fido_links = bad;
  access::Channel channel(token, token.info(), Effect::kReadOnly, options);
  EXPECT_TRUE(channel.card().ok()) << "the card link does not depend on the FIDO choice";
  EXPECT_EQ(channel.fido().error().kind, ErrorKind::kUsage);
}

TEST(Channel, DiagnosisAndWipesRefuseAChannelOpenedForAnotherEffect) {
  RecordedToken token;
  const auto before = token.card.save().dump();
  access::Channel spending(token, token.info(), Effect::kSpendsRetry, card_only());
  auto diagnosis = runbook::diagnose(spending, 1, runbook::Symptom::kUnknown);
  ASSERT_FALSE(diagnosis.ok());
  EXPECT_EQ(diagnosis.error().kind, ErrorKind::kRefused);
  access::Channel read_only(token, token.info(), Effect::kReadOnly, card_only());
  auto wipe = runbook::destroy(read_only, "token-reset", runbook::Wipe::kCardApplets, std::nullopt);
  ASSERT_FALSE(wipe.ok());
  EXPECT_EQ(wipe.error().kind, ErrorKind::kRefused);
  EXPECT_TRUE(token.sent.empty()) << "a refused operation reached the token";
  EXPECT_EQ(token.card.save().dump(), before);

  auto read = runbook::diagnose(read_only, 1, runbook::Symptom::kUnknown);
  ASSERT_TRUE(read.ok()) << describe(read.error());
  EXPECT_TRUE(read->snapshot.complete());
  EXPECT_EQ(read->check.outcome, runbook::CounterCheck::Outcome::kUnchanged);
  EXPECT_EQ(token.card.save().dump(), before);
}
