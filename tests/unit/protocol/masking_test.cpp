#include "protocol/masking.h"

#include <gtest/gtest.h>

namespace keydesk::protocol {
namespace {

using iso7816::parse_command;
namespace sw = iso7816::sw;

CommandApdu apdu(const char* hex) {
  return *parse_command(*from_hex(hex));
}

TEST(SecretMask, MasksPinsPuksKeysAndCryptograms) {
  // VERIFY / CHANGE / RESET RETRY (PIV, ACA), mgmt-key GENERAL AUTHENTICATE, SET MGMT KEY, IMPORT KEY,
  // OATH PUT / SET CODE / VALIDATE, ACA EXTERNAL AUTHENTICATE / PUT PUK / PUT XAUTH KEY / UNBLOCK PIN.
  for (const char* hex :
       {"0020008008313233343536FFFF", "002400801031323334353600003132333435363737",
        "002C0080083132333435363738", "0087039B047C028000", "00FFFFFF03AABBCC", "00FE079A03010203",
        "0001000003710141", "0003000003740101", "00A3000003750102", "0082000008A1A2A3A4A5A6A7A8",
        "8034000004C2023132", "8036000004C4021122", "802C008004C1023132"}) {
    const CommandApdu c = apdu(hex);
    EXPECT_TRUE(carries_secret(c)) << hex;
    const std::string line = describe_masked(c);
    EXPECT_NE(line.find("bytes masked>"), std::string::npos) << line;
    EXPECT_EQ(line.find(to_hex(ByteView(c.data), true)), std::string::npos) << line;
  }
}

TEST(SecretMask, ShowsHarmlessCommands) {
  EXPECT_EQ(describe_masked(apdu("00A4040005A000000308")), "00 A4 04 00 A000000308");
  EXPECT_EQ(describe_masked(apdu("80CA9F7F00")), "80 CA 9F 7F Le=256");
  EXPECT_EQ(describe_masked(apdu("0020008000")),
            "00 20 00 80 Le=256");  // PIN status: no data, nothing to hide
  // NFCCTAP getInfo is shown, a clientPIN request is not.
  EXPECT_FALSE(carries_secret(apdu("801000000104")));
  EXPECT_TRUE(carries_secret(apdu("80100000020601")));
}

TEST(SecretMask, MasksResponsesThatProveKeyPossession) {
  const CommandApdu validate = apdu("00A3000003750102");
  const ResponseApdu r{*from_hex("7514AABBCC"), sw::kOk};
  EXPECT_EQ(describe_masked(validate, r), "<5 bytes masked> 9000");
  EXPECT_EQ(describe_masked(apdu("80CA9F7F00"), ResponseApdu{*from_hex("9F7F"), sw::kOk}), "9F7F 9000");
}

TEST(SecretMask, AssertionsThatMayHoldHmacSecretOutputsAreMasked) {
  // NFCCTAP getAssertion / getNextAssertion: the request (salts) and the response (outputs) are masked.
  const ResponseApdu assertion{*from_hex("00A301A2"), sw::kOk};
  for (const char* request : {"8010800003020102", "801080000108"}) {
    EXPECT_TRUE(carries_secret(apdu(request))) << request;
    EXPECT_EQ(describe_masked(apdu(request), assertion), "<4 bytes masked> 9000") << request;
  }
  // getInfo stays readable both ways.
  EXPECT_EQ(describe_masked(apdu("801000000104"), ResponseApdu{*from_hex("00A0"), sw::kOk}), "00A0 9000");
}

TEST(SecretMask, MalformedCommandsShowOnlyTheHeader) {
  // A VERIFY with a wrong Lc still holds PIN digits.
  EXPECT_EQ(describe_masked_raw(*from_hex("0020008008313233")),
            "00 20 00 80 <4 bytes after the header, malformed>");
  EXPECT_EQ(describe_masked_raw(*from_hex("0102")), "<2 bytes, not an APDU>");
}

}  // namespace
}  // namespace keydesk::protocol
