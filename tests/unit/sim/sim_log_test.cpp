// keydesk-sim's exchange log goes through the one masking rule.
#include "sim/sim_log.h"

#include <gtest/gtest.h>

namespace keydesk::iso7816 {
namespace {

TEST(SecretMask, TheSimLogLineUsesTheRule) {
  const std::string line = sim::masked_exchange(*from_hex("0020008006313233343536"), *from_hex("63C2"));
  EXPECT_EQ(line, "> 00 20 00 80 <6 bytes masked>  < 63C2");
  EXPECT_EQ(line.find("313233"), std::string::npos);
}

}  // namespace
}  // namespace keydesk::iso7816
