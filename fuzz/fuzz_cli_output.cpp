// keydesk's output from token data it does not control: a case-study token changed by a sequence of APDUs
// (each prefixed by a length byte: YKOATH PUT names, FIDO makeCredential over NFCCTAP, ...) in a reader
// whose name comes from the input too, then otp-props-get, diagnose and token-info in JSON and as tables,
// and explain of an argument from the input. Invariants: no exception escapes (the JSON renderer used to
// abort on a name that is not UTF-8), every JSON document parses (valid UTF-8), the human output is
// valid UTF-8 with no control character but the newline (a token cannot write escape sequences to the
// terminal), and every exit code is one docs/cli.md lists.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "card/card.h"
#include "cli/app.h"
#include "core/text.h"
#include "seeded_token.h"
#include "testing/loopback_transport.h"

namespace {
using namespace keydesk;

const card::json& seeded_state() {
  static const card::json state =
      fuzzing::seeded_state("fuzz_cli_output", fuzzing::profile_document("fuzz_cli_output", "case-study"));
  return state;
}

class OneToken final : public access::TokenSource {
 public:
  OneToken(card::Card& card, std::string reader) : card_(card), reader_(std::move(reader)) {}
  Result<std::vector<access::TokenInfo>> list() override {
    return std::vector<access::TokenInfo>{{0, reader_, card_.atr(), {}, {}}};
  }
  Result<std::unique_ptr<transport::ApduTransport>> open_card(const access::TokenInfo&) override {
    return std::unique_ptr<transport::ApduTransport>(
        std::make_unique<keydesk::testing::LoopbackTransport>(card_));
  }

 private:
  card::Card& card_;
  std::string reader_;
};

void fail(const char* what, const std::string& output) {
  std::fprintf(stderr, "fuzz_cli_output: %s\n%s\n", what, output.c_str());
  std::abort();
}

void check_human(const std::string& text) {
  if (!is_valid_utf8(text)) fail("human output is not UTF-8", text);
  for (char c : text) {
    const auto b = static_cast<uint8_t>(c);
    if ((b < 0x20 && b != '\n') || b == 0x7F) fail("a control character reached the terminal", text);
  }
}

void run(OneToken& tokens, std::vector<std::string> args) {
  const bool as_json = args.front() == "--json";
  std::istringstream in;
  std::ostringstream out, err;
  const int code = cli::run_keydesk(args, tokens, {in, false, out, err});
  if (code < 0 || code > 7) fail("an exit code docs/cli.md does not list", out.str());
  if (as_json) {
    if (nlohmann::json::parse(out.str(), nullptr, false).is_discarded())
      fail("JSON output does not parse", out.str());
  } else {
    check_human(out.str());
  }
  check_human(err.str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // reader name | argument for explain | APDUs
  size_t pos = 0;
  auto take = [&](size_t n) {
    n = std::min(n, size - pos);
    std::string s(reinterpret_cast<const char*>(data + pos), n);
    pos += n;
    return s;
  };
  const std::string reader = take(data[pos++] % 48);
  const std::string argument = pos < size ? take(data[pos++] % 16) : std::string();
  card::Card card;
  token::install_standard_applets(card, seeded_state());
  if (!card.load(seeded_state())) std::abort();
  while (pos < size) {
    const size_t header = data[pos++];
    const size_t length = std::min(header, size - pos);
    (void)card.transmit(ByteView(data + pos, length));
    pos += length;
  }
  OneToken tokens(card, reader.empty() ? std::string("Loopback") : reader);
  run(tokens, {"--json", "otp-props-get"});
  run(tokens, {"otp-props-get"});
  run(tokens, {"--json", "diagnose"});
  run(tokens, {"diagnose"});
  run(tokens, {"--json", "token-info"});
  run(tokens, {"token-info"});
  run(tokens, {"--json", "explain", argument});
  run(tokens, {"explain", argument});
  return 0;
}
