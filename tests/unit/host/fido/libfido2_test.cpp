// libfido2 1.12 drives keydesk's authenticator through host/fido's FidoSession, over the PC/SC bridge
// (in-process transport) and over the CTAPHID socket served by CtaphidServer — both reach the same
// authenticator, so state changed through one is seen through the other.
#include <gtest/gtest.h>
#include <unistd.h>

#include "card/card.h"
#include "card/fido/fido_applet.h"
#include "fixtures/authenticator_fixture.h"
#include "host/fido/fido_session.h"
#include "sim/ctaphid_server.h"
#include "testing/loopback_transport.h"
#include "transport/readonly_guard.h"

namespace keydesk::host::fido {
namespace {

enum class Link { kPcsc, kSocket };

class Libfido2Test : public ::testing::TestWithParam<Link> {
 protected:
  void SetUp() override {
    auto& applet = card.emplace_applet<keydesk::card::fido::FidoApplet>();
    ASSERT_TRUE(
        card.load({{"card", {{"atr", "3b8d80018073c021c05748494443727363ed"}}},
                   {"applets", {{"fido", keydesk::card::fido::testing::profile_section("case-study")}}}})
            .ok());
    socket_path = ::testing::TempDir() + "/kd-ctaphid-" + std::to_string(::getpid());
    server = std::make_unique<keydesk::sim::CtaphidServer>(card, applet.authenticator());
    ASSERT_TRUE(server->start(socket_path).ok());
  }

  std::unique_ptr<FidoSession> open(Link link) {
    auto s = link == Link::kPcsc ? FidoSession::open_pcsc(loopback) : FidoSession::open_socket(socket_path);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : describe(s.error()));
    return s.ok() ? std::move(s).value() : nullptr;
  }
  std::unique_ptr<FidoSession> open() { return open(GetParam()); }
  std::unique_ptr<FidoSession> open_hooked(CtapHook hook) {
    auto s = GetParam() == Link::kPcsc ? FidoSession::open_pcsc(loopback, std::move(hook))
                                       : FidoSession::open_socket(socket_path, std::move(hook));
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : describe(s.error()));
    return s.ok() ? std::move(s).value() : nullptr;
  }

  static uint32_t ctap_code(const Status& s) {
    return !s.ok() && s.error().kind == ErrorKind::kCtap ? s.error().code : 0;
  }

  card::Card card;
  keydesk::testing::LoopbackTransport loopback{card};
  std::unique_ptr<keydesk::sim::CtaphidServer> server;
  std::string socket_path;
};

TEST_P(Libfido2Test, InfoOfAFreshCaseStudyToken) {
  auto session = open();
  ASSERT_TRUE(session);
  auto info = session->info();
  ASSERT_TRUE(info.ok()) << describe(info.error());
  EXPECT_EQ(info->versions, (std::vector<std::string>{"FIDO_2_0", "FIDO_2_1"}));
  EXPECT_EQ(info->aaguid, "6b65796465736b000000000000000c01");
  EXPECT_EQ(info->option("clientPin"), false);
  EXPECT_EQ(info->option("ep"), true);
  EXPECT_EQ(info->remaining_discoverable_credentials, 30);
  EXPECT_FALSE(info->pin_retries.has_value()) << "no PIN: retries are not read";
  // No PIN yet: a credential listing is refused without spending anything.
  EXPECT_FALSE(session->credentials("000000").ok());
  EXPECT_EQ(session->pin_retries().value(), 8);
}

TEST_P(Libfido2Test, PinRetriesCredentialsAndReset) {
  auto session = open();
  ASSERT_TRUE(session);
  ASSERT_TRUE(session->set_pin("123456").ok());
  ASSERT_TRUE(session->change_pin("123456", "24681357").ok());
  EXPECT_EQ(ctap_code(session->change_pin("000000", "11112222")), 0x31u);
  EXPECT_EQ(ctap_code(session->change_pin("000000", "11112222")), 0x31u);
  EXPECT_EQ(ctap_code(session->change_pin("000000", "11112222")), 0x34u);
  auto blocked = session->credential_metadata("24681357");
  ASSERT_FALSE(blocked.ok()) << "the block holds even for the right PIN";
  EXPECT_EQ(blocked.error().code, 0x34u);
  EXPECT_EQ(session->pin_retries().value(), 5);
  card.power_cycle();
  session = open();
  ASSERT_TRUE(session);

  auto made = session->make_credential("example.com", Bytes{1, 2, 3}, "alice", true, "24681357");
  ASSERT_TRUE(made.ok()) << describe(made.error());
  EXPECT_NE(made->attestation_subject.find("OU=Authenticator Attestation"), std::string::npos);
  EXPECT_EQ(session->verify_assertion("example.com", made->public_key, "24681357").value(), 1u);
  EXPECT_EQ(session->info()->remaining_discoverable_credentials, 29);

  // The other link sees the same authenticator.
  auto other = open(GetParam() == Link::kPcsc ? Link::kSocket : Link::kPcsc);
  ASSERT_TRUE(other);
  auto listed = other->credentials("24681357");
  ASSERT_TRUE(listed.ok()) << describe(listed.error());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->at(0).rp_id, "example.com");
  EXPECT_EQ(listed->at(0).user_name, "alice");
  EXPECT_EQ(other->credential_metadata("24681357")->existing, 1u);
  ASSERT_TRUE(other->delete_credential("24681357", listed->at(0).credential_id).ok());
  EXPECT_EQ(session->info()->remaining_discoverable_credentials, 30);

  card.context().presence.set_mode(card::UserPresence::Mode::kDeny);
  EXPECT_EQ(ctap_code(session->reset()), 0x27u);
  card.context().presence.set_mode(card::UserPresence::Mode::kGrant);
  card.context().powered_on_at -= std::chrono::seconds(11);
  EXPECT_EQ(ctap_code(session->reset()), 0x30u);
  card.power_cycle();
  session = open();
  ASSERT_TRUE(session->reset().ok());
  EXPECT_EQ(session->info()->option("clientPin"), false);
}

TEST_P(Libfido2Test, PowerCycleStateIsReadWithTheRetries) {
  auto session = open();
  ASSERT_TRUE(session);
  ASSERT_TRUE(session->set_pin("123456").ok());
  auto fresh = session->pin_retry_state();
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->retries, 8);
  EXPECT_EQ(fresh->power_cycle_required, false);
  for (int i = 0; i < 3; ++i) (void)session->change_pin("000000", "11112222");
  auto blocked = session->info();
  ASSERT_TRUE(blocked.ok()) << describe(blocked.error());
  EXPECT_EQ(blocked->pin_retries, 5);
  EXPECT_EQ(blocked->power_cycle_required, true);
  EXPECT_EQ(session->pin_retries().value(), 5) << "reading the state spends nothing";
  card.power_cycle();
  session = open();
  ASSERT_TRUE(session);
  auto after = session->pin_retry_state();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->retries, 5);
  EXPECT_EQ(after->power_cycle_required, false);
}

TEST_P(Libfido2Test, InfoUsesTheGetInfoOfOpen) {
  int get_infos = 0;
  auto session = open_hooked({[&](ByteView request) {
                                if (request.size() == 1 && request[0] == 0x04) ++get_infos;
                                return Status{};
                              },
                              {}});
  ASSERT_TRUE(session);
  ASSERT_TRUE(session->info().ok());
  EXPECT_EQ(get_infos, 1);
  ASSERT_TRUE(session->set_pin("123456").ok());
  auto info = session->info();  // something was sent since: getInfo again, clientPin now true
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(get_infos, 2);
  EXPECT_EQ(info->option("clientPin"), true);
  EXPECT_EQ(info->aaguid, "6b65796465736b000000000000000c01");
  EXPECT_EQ(info->remaining_discoverable_credentials, 30);
  EXPECT_EQ(info->pin_protocols, (std::vector<uint8_t>{2, 1}));
  EXPECT_EQ(info->max_message_size, 1200u);
  EXPECT_EQ(info->firmware_version, 0x050403u);
}

// The read-only rule as the session's hook: what it refuses never reaches the authenticator, on
// either link (a makeCredential spans several CTAPHID reports: none of them is written).
TEST_P(Libfido2Test, HookRefusalNeverReachesTheDevice) {
  std::vector<uint8_t> answered;
  auto session = open_hooked(
      {transport::admit_read_only_ctap, [&](ByteView request, ByteView) { answered.push_back(request[0]); }});
  ASSERT_TRUE(session);
  auto listed = session->credentials("000000");
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().kind, ErrorKind::kRefused) << "no PIN token request, even with no PIN set";
  ASSERT_TRUE(session->info().ok());
  auto refused_kind = [](const Status& s) { return s.ok() ? ErrorKind::kInternal : s.error().kind; };
  EXPECT_EQ(refused_kind(session->set_pin("123456")), ErrorKind::kRefused);
  auto made = session->make_credential("example.com", Bytes(64, 0x01), "alice", true, std::nullopt);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().kind, ErrorKind::kRefused);
  EXPECT_EQ(refused_kind(session->reset()), ErrorKind::kRefused);
  EXPECT_EQ(session->pin_retries().value(), 8) << "admitted reads still work after refusals";
  ASSERT_FALSE(answered.empty());
  EXPECT_EQ(answered.front(), 0x04) << "open's getInfo";
  for (uint8_t command : answered) EXPECT_TRUE(command == 0x04 || command == 0x06) << int{command};

  auto plain = open();
  ASSERT_TRUE(plain);
  auto info = plain->info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->option("clientPin"), false);
  EXPECT_EQ(info->remaining_discoverable_credentials, 30);
}

// Issue 7's race, in process: the read-only session has seen getInfo say clientPin = false, then another
// client sets a FIDO PIN through the other link. A credential listing (getPinToken with a PIN that is now
// wrong) from the read-only session is refused before it leaves the host, on either link: the retries stay
// at 8. Without the rule the same call spends one (shown last, through an unhooked session).
TEST_P(Libfido2Test, ReadOnlySessionCannotSpendAfterAnotherClientSetsAPin) {
  int refused = 0;
  auto reader = open_hooked({[&](ByteView request) {
                               Status s = transport::admit_read_only_ctap(request);
                               if (!s) ++refused;
                               return s;
                             },
                             {}});
  ASSERT_TRUE(reader);
  auto info = reader->info();
  ASSERT_TRUE(info.ok());
  ASSERT_EQ(info->option("clientPin"), false);
  auto other = open(GetParam() == Link::kPcsc ? Link::kSocket : Link::kPcsc);
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->set_pin("123456").ok());
  for (const char* pin : {"000000", "123456"}) {
    auto listed = reader->credentials(pin);
    ASSERT_FALSE(listed.ok());
    EXPECT_EQ(listed.error().kind, ErrorKind::kRefused) << describe(listed.error());
  }
  EXPECT_GE(refused, 2);
  EXPECT_EQ(other->pin_retries().value(), 8) << "the read-only session spent a FIDO retry";
  auto unguarded = open();
  ASSERT_TRUE(unguarded);
  auto spent = unguarded->credentials("000000");
  ASSERT_FALSE(spent.ok());
  EXPECT_EQ(spent.error().kind, ErrorKind::kCtap);
  EXPECT_EQ(spent.error().code, 0x31u);
  EXPECT_EQ(other->pin_retries().value(), 7) << "the same request without the rule spends one";
}

INSTANTIATE_TEST_SUITE_P(Links, Libfido2Test, ::testing::Values(Link::kPcsc, Link::kSocket),
                         [](const auto& param_info) {
                           return param_info.param == Link::kPcsc ? "PcscBridge" : "CtaphidSocket";
                         });

}  // namespace
}  // namespace keydesk::host::fido
