// The card dispatcher with every standard applet, fed a sequence of APDUs (each prefixed by a length
// byte, then optionally a power cycle). Invariants: every response carries a status word, no response
// carries more than 256 data bytes (the clients' buffers), and a power cycle leaves a card that answers.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "card/card.h"
#include "card/profile.h"
#include "token/standard_token.h"

namespace {
using namespace keydesk;

// The factory profile (every applet section keydesk ships) with the yubikey5 profile's FIDO applet (U2F
// over ISO 7816, extensions, EdDSA), seeded once; each input starts from this saved state, so a crash
// reproduces from its input alone. The profiles are read from the source tree (KEYDESK_PROFILE_SOURCE_DIR,
// set by fuzz/CMakeLists.txt), whatever the working directory.
const card::json& seeded_state() {
  static const card::json state = [] {
    const std::filesystem::path profiles = KEYDESK_PROFILE_SOURCE_DIR;
    auto doc = card::load_profile("factory", {profiles.string()});
    auto yubikey5 = card::load_profile("yubikey5", {profiles.string()});
    if (doc && yubikey5) (*doc)["applets"]["fido"] = (*yubikey5)["applets"]["fido"];
    card::Card card;
    Status loaded = doc ? Status{} : Status{doc.error()};
    if (doc) {
      token::install_standard_applets(card, *doc);
      loaded = card.load(*doc);
    }
    if (!loaded) {
      std::fprintf(stderr, "fuzz_apdu_dispatcher: seed token did not load: %s\n",
                   describe(loaded.error()).c_str());
      std::abort();
    }
    return card.save();
  }();
  return state;
}

void check_response(const Bytes& response) {
  if (response.size() < 2) std::abort();        // no status word
  if (response.size() > 256 + 2) std::abort();  // more than one short response
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  card::Card card;
  token::install_standard_applets(card, seeded_state());
  if (!card.load(seeded_state())) std::abort();
  size_t pos = 0;
  while (pos < size) {
    const uint8_t header = data[pos++];
    if (header == 0xFF) {  // a power cycle between commands
      card.power_cycle();
      continue;
    }
    const size_t length = std::min<size_t>(header, size - pos);
    check_response(card.transmit(ByteView(data + pos, length)));
    pos += length;
  }
  card.power_cycle();
  // After anything, a fresh session still gets an answer to the card-level CPLC request.
  const Bytes cplc = card.transmit(*from_hex("80CA9F7F00"));
  if (cplc.size() != 3 + 42 + 2 || cplc[cplc.size() - 2] != 0x90) std::abort();
  return 0;
}
