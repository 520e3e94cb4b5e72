// The card dispatcher with every standard applet, fed a sequence of APDUs (each prefixed by a length
// byte, then optionally a power cycle). An input starting FE n runs on profile n instead of the default:
// 1 = sc-hsm (a SmartCard-HSM never initialised), 2 = sc-hsm-seed004 (initialised, SO-PIN tries spent).
// Invariants: every response carries a status word, no response carries more than 256 data bytes (the
// clients' buffers) unless the command asked for more with an extended Le, and a power cycle leaves a
// card that answers.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "card/card.h"
#include "iso7816/apdu.h"
#include "seeded_token.h"

namespace {
using namespace keydesk;

// The factory profile (every applet section keydesk ships) with the yubikey5 profile's FIDO applet (U2F
// over ISO 7816, extensions, EdDSA), and the two SmartCard-HSM profiles, each seeded once; each input
// starts from one of these saved states (seeded_token.h).
card::json seed(const char* profile) {
  card::json doc = fuzzing::profile_document("fuzz_apdu_dispatcher", profile);
  if (std::string_view(profile) == "factory")
    doc["applets"]["fido"] = fuzzing::profile_document("fuzz_apdu_dispatcher", "yubikey5")["applets"]["fido"];
  return fuzzing::seeded_state("fuzz_apdu_dispatcher", doc);
}

const card::json& seeded_state(uint8_t profile) {
  static const card::json states[] = {seed("factory"), seed("sc-hsm"), seed("sc-hsm-seed004")};
  return states[profile % 3];
}

void check_response(ByteView command, const Bytes& response) {
  if (response.size() < 2) std::abort();  // no status word
  // More than one short response only where an extended Le asked for it.
  auto parsed = iso7816::parse_command(command);
  const size_t limit = parsed && parsed->ne > 256 ? parsed->ne : 256;
  if (response.size() > limit + 2) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uint8_t profile = 0;
  size_t pos = 0;
  if (size >= 2 && data[0] == 0xFE) {
    profile = data[1];
    pos = 2;
  }
  card::Card card;
  token::install_standard_applets(card, seeded_state(profile));
  if (!card.load(seeded_state(profile))) std::abort();
  while (pos < size) {
    const uint8_t header = data[pos++];
    if (header == 0xFF) {  // a power cycle between commands
      card.power_cycle();
      continue;
    }
    const size_t length = std::min<size_t>(header, size - pos);
    const ByteView command(data + pos, length);
    check_response(command, card.transmit(command));
    pos += length;
  }
  card.power_cycle();
  // After anything, a fresh session still gets an answer to the card-level CPLC request.
  const Bytes cplc = card.transmit(*from_hex("80CA9F7F00"));
  if (cplc.size() != 3 + 42 + 2 || cplc[cplc.size() - 2] != 0x90) std::abort();
  return 0;
}
