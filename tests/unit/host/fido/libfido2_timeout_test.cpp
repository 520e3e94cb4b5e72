// A FIDO authenticator that stops answering on the CTAPHID socket (keydesk-sim's freeze) ends a libfido2
// operation with kTimeout within FidoSession's deadline, instead of waiting forever.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>

#include "card/card.h"
#include "card/fido/fido_applet.h"
#include "fixtures/authenticator_fixture.h"
#include "host/fido/fido_session.h"
#include "sim/ctaphid_server.h"

namespace keydesk::host::fido {
namespace {
using namespace std::chrono_literals;

TEST(Libfido2Timeout, AFrozenAuthenticatorOnTheSocketTimesOut) {
  card::Card card;
  auto& applet = card.emplace_applet<keydesk::card::fido::FidoApplet>();
  ASSERT_TRUE(
      card.load({{"card", {{"atr", "3b8d80018073c021c05748494443727363ed"}}},
                 {"applets", {{"fido", keydesk::card::fido::testing::profile_section("case-study")}}}})
          .ok());
  const std::string path = ::testing::TempDir() + "/kd-ctaphid-frozen-" + std::to_string(::getpid());
  keydesk::sim::CtaphidServer server(card, applet.authenticator());
  ASSERT_TRUE(server.start(path).ok());

  FidoSession::set_timeout(300ms);
  card.freeze();  // CTAPHID INIT is answered by the transport layer; getInfo (a CTAP message) is held
  const auto start = std::chrono::steady_clock::now();
  auto session = FidoSession::open_socket(path);
  const auto waited = std::chrono::steady_clock::now() - start;
  card.thaw();  // lets the server's thread go before it is stopped
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.error().kind, ErrorKind::kTimeout) << describe(session.error());
  EXPECT_LT(waited, 3s);
  FidoSession::set_timeout(30s);

  // Thawed, the same authenticator answers again.
  auto again = FidoSession::open_socket(path);
  ASSERT_TRUE(again.ok()) << describe(again.error());
  EXPECT_TRUE((*again)->info().ok());
  server.stop();
}

}  // namespace
}  // namespace keydesk::host::fido
