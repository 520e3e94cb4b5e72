#include <PCSC/winscard.h>
#include <gtest/gtest.h>

#include "transport/pcsc_context.h"

namespace keydesk::transport {
namespace {

TEST(PcscError, MapsPcscCodesToTypedErrorsWithTheReaderName) {
  const struct {
    LONG code;
    ErrorKind kind;
  } cases[] = {
      {SCARD_E_NO_READERS_AVAILABLE, ErrorKind::kNoReader},
      {SCARD_W_REMOVED_CARD, ErrorKind::kTokenRemoved},
      {SCARD_W_RESET_CARD, ErrorKind::kTokenReset},
      {SCARD_E_NO_SMARTCARD, ErrorKind::kNoToken},
      {SCARD_E_NO_SERVICE, ErrorKind::kTransport},
      {SCARD_E_SHARING_VIOLATION, ErrorKind::kTransport},
  };
  for (const auto& c : cases) {
    const Error e = pcsc_error(c.code, "transmit", "Virtual PCD 00 00");
    EXPECT_EQ(e.kind, c.kind) << pcsc_stringify_error(c.code);
    EXPECT_EQ(e.code, static_cast<uint32_t>(c.code));
    EXPECT_NE(e.context.find("Virtual PCD 00 00"), std::string::npos) << e.context;
    EXPECT_NE(e.context.find("transmit"), std::string::npos) << e.context;
  }
}

TEST(PcscError, NoServiceSaysWhatToCheck) {
  EXPECT_NE(pcsc_error(SCARD_E_NO_SERVICE, "list readers").context.find("pcscd running"), std::string::npos);
}

}  // namespace
}  // namespace keydesk::transport
