// keydesk's command line (CLI11, built from the command table): every command accepts exactly the options
// its row lists, global options work before and after the command, help is generated from the table
// (effects included), and a secret given on the command line never comes back in a usage error.
#include <gtest/gtest.h>

#include <algorithm>
#include <ranges>
#include <sstream>

#include "cli/app.h"
#include "cli/command_line.h"
#include "cli/command_table.h"

using namespace keydesk;
using nlohmann::json;

namespace {

// Every listing fails: a command that reaches for a token ends with kNoToken (exit 4), after parsing.
class NoTokens final : public access::TokenSource {
 public:
  Result<std::vector<access::TokenInfo>> list() override {
    return Error::make(ErrorKind::kNoToken, "none here");
  }
  Result<std::unique_ptr<transport::ApduTransport>> open_card(const access::TokenInfo&) override {
    return Error::make(ErrorKind::kNoToken, "none here");
  }
};

struct Run {
  int code;
  std::string out, err;
};

Run run_cli(std::vector<std::string> args) {
  NoTokens tokens;
  std::istringstream in;
  std::ostringstream out, err;
  const int code = cli::run_keydesk(args, tokens, {in, false, out, err});
  return {code, out.str(), err.str()};
}

// A value an option of this kind accepts.
std::string value_for(const cli::OptionSpec& o) {
  if (o.long_name == "token") return "0";
  if (o.long_name == "timeout") return "2";
  return "12345678";
}

}  // namespace

TEST(CliCommandLine, EachCommandAcceptsExactlyTheOptionsOfItsRow) {
  for (const auto& c : cli::commands()) {
    for (auto name : c.options) {
      ASSERT_NE(cli::find_option(name), nullptr)
          << c.name << " lists --" << name << ", which options() lacks";
      EXPECT_FALSE(cli::is_global_option(name)) << c.name << " lists the global option --" << name;
    }
    for (const auto& o : cli::options()) {
      std::vector<std::string> args;  // "store init" is two arguments
      for (auto word : std::views::split(c.name, ' ')) args.emplace_back(word.begin(), word.end());
      args.push_back("--" + std::string(o.long_name));
      if (o.kind != cli::ArgKind::kFlag) args.push_back(value_for(o));
      auto parsed = cli::parse_command_line(args);
      const bool listed = std::find(c.options.begin(), c.options.end(), o.long_name) != c.options.end();
      if (listed || cli::is_global_option(o.long_name)) {
        ASSERT_TRUE(parsed.ok()) << c.name << " --" << o.long_name << ": " << describe(parsed.error());
        EXPECT_EQ(parsed->command, &c);
        if (listed) {
          EXPECT_TRUE(parsed->has(o.long_name)) << c.name << " --" << o.long_name;
        }
      } else {
        ASSERT_FALSE(parsed.ok()) << c.name << " accepted --" << o.long_name;
        EXPECT_EQ(parsed.error().kind, ErrorKind::kUsage);
        EXPECT_NE(describe(parsed.error()).find("does not apply to " + std::string(c.name)),
                  std::string::npos)
            << describe(parsed.error());
      }
    }
  }
}

TEST(CliCommandLine, GlobalOptionsWorkBeforeAndAfterTheCommandAndTheLaterOneWins) {
  auto before = cli::parse_command_line({"--json", "-t", "1", "-v", "--timeout", "2.5", "token-cuid"});
  auto after = cli::parse_command_line({"token-cuid", "--json", "-t", "1", "-v", "--timeout", "2.5"});
  for (auto* p : {&before, &after}) {
    ASSERT_TRUE(p->ok()) << describe(p->error());
    EXPECT_TRUE((*p)->json);
    EXPECT_TRUE((*p)->verbose);
    EXPECT_EQ((*p)->token_index, 1);
    EXPECT_EQ((*p)->timeout, std::chrono::milliseconds(2500));
  }
  auto both = cli::parse_command_line({"--reader", "first", "token-cuid", "--reader", "second"});
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->reader, "second");
  // A command's own option before the command is that command's (as keydesk has always accepted it).
  auto early = cli::parse_command_line({"-p", "123456", "pin-verify"});
  ASSERT_TRUE(early.ok()) << describe(early.error());
  EXPECT_EQ(early->value("pin"), "123456");
}

TEST(CliCommandLine, ASecretOptionTakesAValueOrPromptsWhenNoneFollows) {
  auto given = cli::parse_command_line({"pin-change", "-p", "123456", "--new-pin=654321"});
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(given->value("pin"), "123456");
  EXPECT_EQ(given->value("new-pin"), "654321");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"pin-verify", "-p"}, {"pin-verify", "-p", "--force"}, {"pin-verify", "-p", "-"}}) {
    auto prompt = cli::parse_command_line(args);
    ASSERT_TRUE(prompt.ok()) << args.back();
    EXPECT_EQ(prompt->value("pin"), "-") << "read at the prompt: " << args.back();
  }
  auto forced = cli::parse_command_line({"pin-verify", "-p", "--force"});
  EXPECT_TRUE(forced->has("force")) << "the option after a bare -p is still an option";
  auto absent = cli::parse_command_line({"pin-verify"});
  EXPECT_FALSE(absent->has("pin"));
}

TEST(CliCommandLine, SecretsNeverComeBackInAUsageError) {
  const std::string secret = "Zq7381xY";
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"token-info", "--pin", secret},
                                             {"token-info", "--pin=" + secret},
                                             {"-p", secret, "token-info"},
                                             {"--puk", secret},
                                             {"pin-verify", "--new-pin", secret},
                                             {"pin-verify", "--pin=" + secret, "--bogus"},
                                             {"pin-verify", "-p", secret, "--json=" + secret},
                                             {"pin-verify", "-p" + secret, "--timeout"},
                                             {"puk-put", "--current-puk", secret, "--symptom", "vpn"},
                                             {"lockout-fix", "--pin", secret}}) {
    for (bool as_json : {false, true}) {
      auto with = args;
      if (as_json) with.push_back("--json");
      auto r = run_cli(with);
      EXPECT_EQ(r.code, 2) << with[0] << " " << with[1];
      EXPECT_EQ(r.err.find(secret), std::string::npos) << r.err;
      EXPECT_EQ(r.out.find(secret), std::string::npos) << r.out;
      if (as_json) {
        EXPECT_EQ(json::parse(r.out)["error"]["kind"], "usage") << r.out;
      }
    }
  }
}

TEST(CliCommandLine, HelpComesFromTheCommandTable) {
  auto main_help = run_cli({"help"});
  EXPECT_EQ(main_help.code, 0);
  for (const auto& c : cli::commands())
    EXPECT_NE(
        main_help.out.find("[" + std::string(cli::effect_name(c.effect)) + "] " + std::string(c.summary)),
        std::string::npos)
        << c.name;
  EXPECT_EQ(run_cli({}).out, main_help.out);
  EXPECT_EQ(run_cli({"--help"}).out, main_help.out);

  auto verify = run_cli({"pin-verify", "--help"});
  EXPECT_EQ(verify.code, 0);
  EXPECT_NE(verify.out.find("effect on the token: may spend a retry"), std::string::npos) << verify.out;
  EXPECT_NE(verify.out.find("-p,--pin [SECRET]"), std::string::npos) << verify.out;
  EXPECT_NE(verify.out.find("--force"), std::string::npos) << verify.out;
  EXPECT_NE(verify.out.find("--timeout SECONDS"), std::string::npos) << "global options are listed too";
  EXPECT_EQ(verify.out.find("--symptom"), std::string::npos)
      << "another command's option in pin-verify's help";
  EXPECT_EQ(run_cli({"help", "pin-verify"}).out, verify.out);
  EXPECT_EQ(run_cli({"-t", "0", "pin-verify", "-h", "-p", "123456"}).out, verify.out);

  auto reset = run_cli({"help", "token-reset"});
  EXPECT_NE(reset.out.find("DESTROYS DATA"), std::string::npos) << reset.out;
  EXPECT_NE(reset.out.find("--confirm-cuid CUID"), std::string::npos) << reset.out;
  EXPECT_EQ(run_cli({"help", "no-such-command"}).code, 2);
}

TEST(CliCommandLine, AUsageErrorShowsTheHelpOfTheCommandItNamed) {
  auto r = run_cli({"diagnose", "--pin", "123456"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("usage: keydesk [global options] diagnose [options]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("keydesk: option --pin does not apply to diagnose"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

// A command named by several words is a family of subcommands: what the store's commands will be
// ("store init", "record show CUID"), here in a table of the test's own.
namespace {

const cli::OptionSpec kFamilyOptions[] = {
    {"json", 0, cli::ArgKind::kFlag, "JSON output"},
    {"verbose", 'v', cli::ArgKind::kFlag, "trace"},
    {"db", 0, cli::ArgKind::kValue, "the record store", "PATH"},
    {"status", 0, cli::ArgKind::kValue, "the record's new status", "STATUS"},
};
const cli::CommandSpec kFamilyCommands[] = {
    {"store init", cli::Effect::kLocal, "create the record store", {"db"}, "", nullptr},
    {"store rotate-key", cli::Effect::kLocal, "seal the store under a new key", {"db"}, "", nullptr},
    {"record show", cli::Effect::kLocal, "one token's record", {"db"}, "CUID", nullptr},
    {"record set-status", cli::Effect::kLocal, "mark a record", {"db", "status"}, "CUID", nullptr},
    {"token-info", cli::Effect::kReadOnly, "list tokens", {}, "", nullptr},
};
const cli::CommandTable kFamilies{kFamilyCommands, kFamilyOptions, 2};

}  // namespace

TEST(CliCommandLine, CommandsOfSeveralWordsAreFamiliesOfSubcommands) {
  auto init = cli::parse_command_line({"--json", "store", "init", "--db", "/tmp/records", "-v"}, kFamilies);
  ASSERT_TRUE(init.ok()) << describe(init.error());
  EXPECT_EQ(init->command, &kFamilyCommands[0]);
  EXPECT_EQ(init->value("db"), "/tmp/records");
  EXPECT_TRUE(init->json);
  EXPECT_TRUE(init->verbose);
  auto show = cli::parse_command_line({"record", "show", "--db", "r", "00112233445566778899"}, kFamilies);
  ASSERT_TRUE(show.ok()) << describe(show.error());
  EXPECT_EQ(show->command, &kFamilyCommands[2]);
  EXPECT_EQ(show->positional, std::vector<std::string>{"00112233445566778899"});
  auto set = cli::parse_command_line({"record", "set-status", "--status", "lost", "C"}, kFamilies);
  ASSERT_TRUE(set.ok()) << describe(set.error());
  EXPECT_EQ(set->value("status"), "lost");

  auto family = cli::parse_command_line({"store"}, kFamilies);
  ASSERT_TRUE(family.ok());
  EXPECT_EQ(family->command, nullptr) << "a family alone is its help";
  EXPECT_NE(family->help.find("store init"), std::string::npos) << family->help;
  EXPECT_NE(family->help.find("store rotate-key"), std::string::npos) << family->help;
  EXPECT_EQ(family->help.find("record show"), std::string::npos) << family->help;

  auto unknown = cli::parse_command_line({"store", "wipe"}, kFamilies);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(describe(unknown.error()).find("unknown command 'store wipe'"), std::string::npos)
      << describe(unknown.error());
  auto misplaced = cli::parse_command_line({"store", "init", "--status", "lost"}, kFamilies);
  ASSERT_FALSE(misplaced.ok());
  EXPECT_NE(describe(misplaced.error()).find("option --status does not apply to store init"),
            std::string::npos)
      << describe(misplaced.error());

  const std::string all = cli::keydesk_help(kFamilies);
  EXPECT_NE(all.find("record show CUID"), std::string::npos) << all;
  EXPECT_NE(all.find("[no token] create the record store"), std::string::npos) << all;
  auto help = cli::parse_command_line({"help", "record", "set-status"}, kFamilies);
  ASSERT_TRUE(help.ok()) << describe(help.error());
  EXPECT_EQ(help->help, cli::command_help(kFamilyCommands[3], kFamilies));
  EXPECT_NE(help->help.find("usage: keydesk [global options] record set-status CUID [options]"),
            std::string::npos)
      << help->help;
  EXPECT_NE(help->help.find("--status STATUS"), std::string::npos) << help->help;
}
