#include "access/effect.h"

namespace keydesk::access {

const char* effect_name(Effect effect) {
  switch (effect) {
    case Effect::kLocal:
      return "no token";
    case Effect::kReadOnly:
      return "read-only";
    case Effect::kSpendsRetry:
      return "may spend a retry";
    case Effect::kWritesSecrets:
      return "writes secrets";
    case Effect::kDestroysData:
      return "DESTROYS DATA";
  }
  return "";
}

std::string_view effect_meaning(Effect effect) {
  switch (effect) {
    case Effect::kLocal:
      return "does not open a token";
    case Effect::kReadOnly:
      return "reads only: every command to the token goes through the read-only guard, which refuses "
             "anything able to change a counter or data";
    case Effect::kSpendsRetry:
      return "makes at most one PIN, PUK or FIDO PIN attempt, after the retry interlock has read the "
             "counter without spending it; never repeated";
    case Effect::kWritesSecrets:
      return "sets a secret on the token, only after it has been durably recorded";
    case Effect::kDestroysData:
      return "wipes data: runs only once the token's CUID is confirmed, and says first what survives";
  }
  return {};
}

}  // namespace keydesk::access
