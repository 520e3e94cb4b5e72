// The saved state a fuzz target starts each input from: a profile of the source tree
// (KEYDESK_PROFILE_SOURCE_DIR, set by fuzz/CMakeLists.txt, whatever the working directory) loaded into a
// Card with every standard applet, as keydesk-sim seeds a new token. Seeded once per process, so a crash
// reproduces from its input alone. A profile that does not load stops the fuzzer at once with the reason:
// a fuzzer that silently ran on an empty card would find nothing.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include "card/card.h"
#include "card/profile.h"
#include "token/standard_token.h"

namespace keydesk::fuzzing {

[[noreturn]] inline void seed_failed(const char* fuzzer, const std::string& what) {
  std::fprintf(stderr, "%s: seed token did not load: %s\n", fuzzer, what.c_str());
  std::abort();
}

// The profile document NAME from the source tree.
inline card::json profile_document(const char* fuzzer, const char* name) {
  auto doc = card::load_profile(name, {KEYDESK_PROFILE_SOURCE_DIR});
  if (!doc) seed_failed(fuzzer, describe(doc.error()));
  return *doc;
}

// The state of a token seeded from the profile document DOC.
inline card::json seeded_state(const char* fuzzer, const card::json& doc) {
  card::Card card;
  token::install_standard_applets(card, doc);
  const Status loaded = card.load(doc);
  if (!loaded) seed_failed(fuzzer, describe(loaded.error()));
  return card.save();
}

}  // namespace keydesk::fuzzing
