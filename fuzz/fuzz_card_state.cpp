// The simulated token and its state writer: a sequence of APDUs (each prefixed by a length byte; 0xFF is a
// power cycle) through every standard applet, then the state as keydesk-sim writes it. Invariants: no
// applet throws (Card::fault_count() stays 0: a YKOATH PUT or a makeCredential with a name that is not
// UTF-8 used to abort the sim here), the state serialises strictly (dump without replacement), parses
// back, loads as a state file (strict validation) and writes back byte for byte (names round-trip
// losslessly).
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "card/card.h"
#include "seeded_token.h"

namespace {
using namespace keydesk;

// The case-study profile (every applet, a HOTP credential, FIDO without a PIN), seeded once.
const card::json& seeded_state() {
  static const card::json state =
      fuzzing::seeded_state("fuzz_card_state", fuzzing::profile_document("fuzz_card_state", "case-study"));
  return state;
}

void fail(const char* what) {
  std::fprintf(stderr, "fuzz_card_state: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  card::Card card;
  token::install_standard_applets(card, seeded_state());
  if (!card.load(seeded_state(), card::Card::Origin::kStateFile)) fail("the seeded state was refused");
  size_t pos = 0;
  while (pos < size) {
    const uint8_t header = data[pos++];
    if (header == 0xFF) {
      card.power_cycle();
      continue;
    }
    const size_t length = std::min<size_t>(header, size - pos);
    if (card.transmit(ByteView(data + pos, length)).size() < 2) fail("a response without a status word");
    pos += length;
  }
  if (card.fault_count() != 0) fail("an applet threw (answered 6F00)");

  // The state writer, as Card::persist_if_changed() runs it (strict: throws on text that is not UTF-8).
  const card::json saved = card.save();
  std::string text;
  try {
    text = saved.dump(1);
  } catch (const std::exception&) {
    fail("the state does not serialise");
  }
  const card::json reread = card::json::parse(text, nullptr, false);
  if (reread.is_discarded()) fail("the written state is not JSON");
  card::Card reloaded;
  token::install_standard_applets(reloaded, reread);
  if (Status s = reloaded.load(reread, card::Card::Origin::kStateFile); !s) {
    std::fprintf(stderr, "%s\n", describe(s.error()).c_str());
    fail("the written state is refused when loaded again");
  }
  if (reloaded.save().dump(1) != text) fail("the state does not round-trip");
  return 0;
}
