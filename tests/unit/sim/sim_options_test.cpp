#include "sim/sim_options.h"

#include <gtest/gtest.h>

namespace keydesk::sim {
namespace {

TEST(SimOptions, ParsesTheFullCommandLine) {
  auto o = parse_sim_options({"--profile", "yubikey5", "--state", "/tmp/s.json", "--vpcd-port", "35963",
                              "--control", "/tmp/c.sock", "--ctaphid", "/tmp/h.sock", "--vpcd-host",
                              "127.0.0.2", "-v"});
  ASSERT_TRUE(o.ok()) << describe(o.error());
  EXPECT_EQ(o->profile, "yubikey5");
  EXPECT_EQ(o->state_path, "/tmp/s.json");
  EXPECT_EQ(o->vpcd_port, 35963);
  EXPECT_EQ(o->vpcd_host, "127.0.0.2");
  EXPECT_EQ(o->control_socket, "/tmp/c.sock");
  EXPECT_EQ(o->ctaphid_socket, "/tmp/h.sock");
  EXPECT_TRUE(o->verbose);
}

TEST(SimOptions, DefaultsAndOptionalParts) {
  auto o = parse_sim_options({"--state", "s.json", "--vpcd-port", "1"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->vpcd_host, "127.0.0.1");
  EXPECT_FALSE(o->control_socket);
  EXPECT_FALSE(o->ctaphid_socket);
  EXPECT_FALSE(o->verbose);
}

TEST(SimOptions, RefusesBadCommandLines) {
  const std::vector<std::vector<std::string>> bad{
      {"--vpcd-port", "35963"},                          // no state
      {"--state", "s.json"},                             // no port
      {"--state", "s.json", "--vpcd-port", "0"},         // not a port
      {"--state", "s.json", "--vpcd-port", "65536"},     // not a port
      {"--state", "s.json", "--vpcd-port", "35963x"},    // not a number
      {"--state", "s.json", "--vpcd-port", "1", "--x"},  // unknown option
      {"--state"},                                       // missing value
      {"--state", "s.json", "--vpcd-port", "1", ""},     // an empty word is no option
  };
  for (const auto& args : bad) {
    auto o = parse_sim_options(args);
    ASSERT_FALSE(o.ok()) << args.back();
    EXPECT_EQ(o.error().kind, ErrorKind::kUsage);
  }
  EXPECT_NE(
      parse_sim_options({"--state", "s", "--vpcd-port", "1", "--bogus"}).error().context.find("--bogus"),
      std::string::npos);
}

// The table is what keydesk-sim(1), the bash completion and --help are generated from: every row must be
// an option the parser accepts under both its names, and the usage text must show every row.
TEST(SimOptions, EveryTableRowIsAcceptedAndShownInTheUsage) {
  const std::string usage = sim_usage();
  for (const auto& spec : sim_option_specs()) {
    for (const std::string_view name : {spec.name, spec.alias}) {
      if (name.empty()) continue;
      std::vector<std::string> args{"--state", "s.json", "--vpcd-port", "1", std::string(name)};
      if (!spec.value.empty()) args.push_back(spec.name == "--vpcd-port" ? "2" : "value");
      auto o = parse_sim_options(args);
      ASSERT_TRUE(o.ok()) << name << ": " << describe(o.error());
    }
    EXPECT_NE(usage.find(std::string(spec.name)), std::string::npos) << spec.name;
    if (!spec.value.empty()) {
      EXPECT_NE(usage.find(std::string(spec.value)), std::string::npos) << spec.value;
    }
  }
  EXPECT_TRUE(parse_sim_options({"-h"})->help);
  EXPECT_TRUE(parse_sim_options({"--state", "s", "--vpcd-port", "1", "--verbose"})->verbose);
}

}  // namespace
}  // namespace keydesk::sim
