// The read-only guard, exhaustively: every instruction byte, with and without data, in every applet
// context, and every CTAP command and clientPIN subcommand. What the guard refuses must never reach the
// inner transport (counted), and what it lets through must be exactly the read-only set stated here.
#include "transport/readonly_guard.h"

#include <gtest/gtest.h>

#include <vector>

using namespace keydesk;
using keydesk::transport::admit_read_only_ctap;
using keydesk::transport::GuardedApplet;
using keydesk::transport::ReadOnlyGuard;

namespace {

Bytes hex(const char* h) {
  return *from_hex(h);
}

// Answers 9000 to everything (a getInfo reply to NFCCTAP getInfo) and counts what reached it.
class CountingTransport final : public transport::ApduTransport {
 public:
  Result<Bytes> transmit(ByteView command) override {
    received.emplace_back(command.begin(), command.end());
    if (command.size() >= 5 && command[0] == 0x80 && command[1] == 0x10 && command[5] == 0x04) {
      Bytes r = get_info_reply;
      append(r, hex("9000"));
      return r;
    }
    return hex("9000");
  }
  Bytes atr() const override { return {}; }
  std::string name() const override { return "counting"; }

  std::vector<Bytes> received;
  // getInfo: {4: {"clientPin": false}}
  Bytes get_info_reply = hex("00A104A169636C69656E7450696EF4");
};

struct Context {
  GuardedApplet applet;
  const char* select;  // SELECT APDU putting the card in this context ("" = none)
};
const Context kContexts[] = {
    {GuardedApplet::kNone, ""},
    {GuardedApplet::kPiv, "00A4040005A000000308"},
    {GuardedApplet::kOath, "00A4040007A0000005272101"},
    {GuardedApplet::kManagement, "00A4040008A000000527471117"},
    {GuardedApplet::kFido, "00A4040008A0000006472F0001"},
    {GuardedApplet::kAca, "00A404000BF06B65796465736B414341"},
};

// The read-only set, stated independently of the guard's code (docs/cli.md, "The read-only guard").
bool read_only(GuardedApplet a, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2, bool data) {
  if (cla == 0x00 && ins == 0xA4 && p1 == 0x04 && data) return true;  // SELECT
  if (cla == 0x00 && ins == 0xC0 && !data) return true;               // GET RESPONSE
  if ((cla == 0x00 || cla == 0x80) && ins == 0xCA && p1 == 0x9F && p2 == 0x7F && !data) return true;  // CPLC
  const bool pin_status_query = cla == 0x00 && ins == 0x20 && p1 == 0x00 && !data;
  switch (a) {
    case GuardedApplet::kPiv:
      if (cla != 0x00) return false;
      if (ins == 0xCB) return p1 == 0x3F && p2 == 0xFF;
      if (ins == 0xFD || ins == 0xF8 || ins == 0xF7) return !data;
      return pin_status_query;
    case GuardedApplet::kOath:
      return pin_status_query || (cla == 0x00 && (ins == 0xA1 || ins == 0xA5 || ins == 0xB0) && !data);
    case GuardedApplet::kAca:
      return pin_status_query || (cla == 0x80 && ins == 0x30 && !data);
    case GuardedApplet::kManagement:
      return cla == 0x00 && ins == 0x1D && !data;
    case GuardedApplet::kFido:
      return cla == 0x80 && ins == 0x11 && !data;  // NFCCTAP_MSG: CTAP tests below
    case GuardedApplet::kNone:
      return false;
  }
  return false;
}

}  // namespace

TEST(ReadOnlyGuard, EveryInstructionInEveryAppletContextOnlyReadOnlyOnesLeaveTheHost) {
  const uint8_t classes[] = {0x00, 0x80, 0x10, 0x84, 0x0C};
  const uint8_t p1p2[][2] = {{0x00, 0x00}, {0x00, 0x80}, {0x3F, 0xFF},
                             {0x9F, 0x7F}, {0x04, 0x00}, {0xFF, 0x80}};
  size_t allowed = 0, refused = 0;
  for (const auto& ctx : kContexts) {
    for (uint8_t cla : classes) {
      for (int ins = 0; ins <= 0xFF; ++ins) {
        for (const auto& p : p1p2) {
          for (bool with_data : {false, true}) {
            if (ins == 0x10 && ctx.applet == GuardedApplet::kFido && cla == 0x80) continue;  // CTAP, below
            CountingTransport inner;
            ReadOnlyGuard guard(inner);
            if (*ctx.select) {
              ASSERT_TRUE(guard.transmit(hex(ctx.select)).ok());
            }
            ASSERT_EQ(guard.selected(), ctx.applet);
            const size_t before = inner.received.size();
            Bytes apdu{cla, static_cast<uint8_t>(ins), p[0], p[1]};
            if (with_data) append(apdu, hex("015C"));
            auto r = guard.transmit(apdu);
            const bool reached = inner.received.size() > before;
            const bool expected =
                read_only(ctx.applet, cla, static_cast<uint8_t>(ins), p[0], p[1], with_data);
            SCOPED_TRACE(to_hex(apdu) + " in " + transport::guarded_applet_name(ctx.applet));
            ASSERT_EQ(reached, expected);
            ASSERT_EQ(r.ok(), expected);
            if (!expected) {
              EXPECT_EQ(r.error().kind, ErrorKind::kRefused);
            }
            (expected ? allowed : refused)++;
          }
        }
      }
    }
  }
  EXPECT_GT(refused, 70000u);
  EXPECT_GT(allowed, 50u);
}

TEST(ReadOnlyGuard, CommandsThatSpendOrDestroyAreRefusedInTheirOwnApplet) {
  struct Case {
    const char* select;
    const char* apdu;
    const char* what;
  } cases[] = {
      {"00A4040005A000000308", "002000800831323334353637FF", "PIV VERIFY with a PIN"},
      {"00A4040005A000000308", "0024008010313233343536FFFF3132333435363738", "PIV CHANGE REFERENCE DATA"},
      {"00A4040005A000000308", "002C008010313233343536373831323334353637FF", "PIV RESET RETRY COUNTER"},
      {"00A4040005A000000308", "00FB0000", "PIV RESET"},
      {"00A4040005A000000308", "00DB3FFF055C035FC102", "PIV PUT DATA"},
      {"00A4040005A000000308", "0087009B047C028100", "PIV GENERAL AUTHENTICATE (OpenSC's random request)"},
      {"00A4040007A0000005272101", "00A2000108710548535450007400", "OATH CALCULATE (HOTP advances)"},
      {"00A4040007A0000005272101", "00A400010A74080000000000000001", "OATH CALCULATE ALL"},
      {"00A4040007A0000005272101", "000400DEAD", "OATH RESET"},
      {"00A4040007A0000005272101", "0002000003710141", "OATH DELETE"},
  };
  for (const auto& c : cases) {
    CountingTransport inner;
    ReadOnlyGuard guard(inner);
    ASSERT_TRUE(guard.transmit(hex(c.select)).ok());
    auto r = guard.transmit(hex(c.apdu));
    EXPECT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(inner.received.size(), 1u) << c.what << " reached the token";
  }
}

TEST(ReadOnlyGuard, PivDiscoveryObjectIsARead) {
  CountingTransport inner;
  ReadOnlyGuard guard(inner);
  ASSERT_TRUE(guard.transmit(hex("00A4040005A000000308")).ok());
  EXPECT_TRUE(guard.transmit(hex("00CB3FFF035C017E")).ok()) << "GET DATA of the Discovery Object";
  EXPECT_EQ(inner.received.size(), 2u);
}

// U2F over ISO 7816 on the FIDO applet (a token whose SELECT answers U2F_V2): REGISTER creates a key
// handle and AUTHENTICATE spends a signature-counter value even with "dont-enforce-user-presence", so
// neither may leave the host, in short or extended encoding; VERSION is not on the allowlist either.
TEST(ReadOnlyGuard, U2fRegisterAndAuthenticateAreRefusedOnTheFidoApplet) {
  const std::string params(128, 'A');  // challenge || application parameter
  const std::string handle = "31" + std::string(98, 'B');
  const std::string cases[] = {
      "00010300"
      "40" +
          params + "00",  // REGISTER, short
      "00010000"
      "000040" +
          params + "0000",  // REGISTER, extended (CTAPHID_MSG form)
      "00020300"
      "72" +
          params + handle + "00",  // AUTHENTICATE enforce-presence
      "00020800"
      "72" +
          params + handle + "00",  // AUTHENTICATE dont-enforce-presence
      "00020700"
      "72" +
          params + handle,  // AUTHENTICATE check-only
      "00020300"
      "000072" +
          params + handle + "0000",  // AUTHENTICATE, extended
      "00030000"
      "00",  // VERSION
  };
  for (const auto& apdu : cases) {
    CountingTransport inner;
    ReadOnlyGuard guard(inner);
    ASSERT_TRUE(guard.transmit(hex("00A4040008A0000006472F0001")).ok());
    auto r = guard.transmit(hex(apdu.c_str()));
    ASSERT_FALSE(r.ok()) << apdu;
    EXPECT_EQ(r.error().kind, ErrorKind::kRefused) << apdu;
    EXPECT_EQ(describe(r.error()).find("malformed"), std::string::npos)
        << "refused as U2F, not as noise: " << apdu;
    EXPECT_EQ(inner.received.size(), 1u) << apdu << " reached the token";
  }
}

TEST(ReadOnlyGuard, FailedSelectLeavesNoAppletSelected) {
  class Refusing final : public transport::ApduTransport {
   public:
    Result<Bytes> transmit(ByteView) override { return hex("6A82"); }
    Bytes atr() const override { return {}; }
    std::string name() const override { return "refusing"; }
  } inner;
  ReadOnlyGuard guard(inner);
  ASSERT_TRUE(guard.transmit(hex("00A4040005A000000308")).ok());
  EXPECT_EQ(guard.selected(), GuardedApplet::kNone);
  EXPECT_FALSE(guard.transmit(hex("00FD0000")).ok()) << "GET VERSION must not pass without PIV selected";
}

namespace {
// A CTAP request: command byte, then {1: 1, 2: sub} (or nothing).
Bytes ctap(uint8_t command, int sub = -1) {
  Bytes r{command};
  if (sub >= 0) {
    append(r, hex("A2010102"));
    if (sub < 24) {
      r.push_back(static_cast<uint8_t>(sub));
    } else {
      r.push_back(0x18);
      r.push_back(static_cast<uint8_t>(sub));
    }
  }
  return r;
}
// The read-only CTAP set: getInfo without parameters; clientPIN getPINRetries, getKeyAgreement,
// getUVRetries. Never getPinToken (0x05) or getPinUvAuthTokenUsingPinWithPermissions (0x09), whatever the
// authenticator said before.
bool ctap_read_only(uint8_t command, int sub) {
  if (command == 0x04) return sub < 0;
  if (command != 0x06 || sub < 0) return false;
  return sub == 0x01 || sub == 0x02 || sub == 0x07;
}
}  // namespace

TEST(ReadOnlyCtapRule, EveryCommandAndClientPinSubcommand) {
  for (int command = 0; command <= 0xFF; ++command) {
    for (int sub = -1; sub <= 0xFF; ++sub) {
      const auto cmd = static_cast<uint8_t>(command);
      EXPECT_EQ(admit_read_only_ctap(ctap(cmd, sub)).ok(), ctap_read_only(cmd, sub))
          << "command " << command << " sub " << sub;
    }
  }
}

// The race of issue 7: keydesk reads getInfo (clientPin = false), another client sets a FIDO PIN over
// another interface, and a PIN token request would then spend a retry. The old rule admitted 0x05 and
// 0x09 after the guard's own getInfo said clientPin = false; these must now be refused and never reach
// the token, however the no-PIN answer arrived (whole, or split by 61xx).
TEST(ReadOnlyGuard, PinTokenRequestsAreRefusedEvenRightAfterGetInfoSaidNoPin) {
  class Chunked final : public transport::ApduTransport {
   public:
    Result<Bytes> transmit(ByteView c) override {
      received.emplace_back(c.begin(), c.end());
      if (c[1] == 0xA4) return hex("9000");
      if (c[1] == 0x10) return hex("00A104A169636C696107");  // {4: {"clientPin": false}}, first part
      if (c[1] == 0xC0) return hex("656E7450696EF49000");    // the rest
      return hex("9000");
    }
    Bytes atr() const override { return {}; }
    std::string name() const override { return "chunked"; }
    std::vector<Bytes> received;
  };
  for (bool split : {false, true}) {
    CountingTransport whole;
    Chunked chunked;
    transport::ApduTransport& inner = split ? static_cast<transport::ApduTransport&>(chunked) : whole;
    ReadOnlyGuard guard(inner);
    ASSERT_TRUE(guard.transmit(hex("00A4040008A0000006472F0001")).ok());
    auto info = guard.transmit(hex("801000000104"));
    ASSERT_TRUE(info.ok());
    if (split) {
      ASSERT_TRUE(guard.transmit(hex("00C0000000")).ok());
    }
    const size_t reached = split ? chunked.received.size() : whole.received.size();
    for (int sub : {0x05, 0x09}) {
      const Bytes request = ctap(0x06, sub);
      Bytes apdu = hex("80100000");
      apdu.push_back(static_cast<uint8_t>(request.size()));
      append(apdu, request);
      auto r = guard.transmit(apdu);
      ASSERT_FALSE(r.ok()) << "clientPIN " << sub << " admitted after clientPin = false (split " << split
                           << ")";
      EXPECT_EQ(r.error().kind, ErrorKind::kRefused);
      EXPECT_FALSE(admit_read_only_ctap(request).ok());
    }
    EXPECT_EQ(split ? chunked.received.size() : whole.received.size(), reached)
        << "a refused request reached the token";
    EXPECT_EQ(guard.refused_count(), 2u);
  }
}

TEST(ReadOnlyGuard, CtapInsideNfcctapFollowsThePolicyAndNeverReachesTheTokenWhenRefused) {
  for (int command = 0; command <= 0xFF; ++command) {
    for (int sub : {-1, 1, 2, 3, 4, 5, 7, 9}) {
      for (bool after_get_info : {false, true}) {
        CountingTransport inner;
        ReadOnlyGuard guard(inner);
        ASSERT_TRUE(guard.transmit(hex("00A4040008A0000006472F0001")).ok());
        if (after_get_info) {
          ASSERT_TRUE(guard.transmit(hex("801000000104")).ok());
        }
        const size_t before = inner.received.size();
        const Bytes request = ctap(static_cast<uint8_t>(command), sub);
        Bytes apdu = hex("80100000");
        apdu.push_back(static_cast<uint8_t>(request.size()));
        append(apdu, request);
        auto r = guard.transmit(apdu);
        const bool expected = ctap_read_only(static_cast<uint8_t>(command), sub);
        EXPECT_EQ(inner.received.size() > before, expected) << to_hex(apdu);
        EXPECT_EQ(r.ok(), expected) << to_hex(apdu);
      }
    }
  }
}
