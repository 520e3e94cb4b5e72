// Which lifecycle transitions the store allows (docs/store.md, "Lifecycle"). One table, read by the store
// before every status change and printed by the documentation.
#pragma once

#include <span>

#include "store/record.h"

namespace keydesk::store {

struct Transition {
  LifecycleStatus from;
  LifecycleStatus to;
  const char* meaning;  // what the transition is, in a card management system's words
};

std::span<const Transition> lifecycle_transitions();
const Transition* find_transition(LifecycleStatus from, LifecycleStatus to);

}  // namespace keydesk::store
