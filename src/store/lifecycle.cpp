#include "store/lifecycle.h"

#include <array>

namespace keydesk::store {
namespace {
using S = LifecycleStatus;
// Modelled on what card management systems allow: Microsoft FIM CM's smart card states (Active,
// Suspended, Disabled, Retired; "SuspendOrReinstate" and "Retire" requests, a retired card's lifecycle
// has ended and it is re-assigned under a new identity) and FIPS 201-3's PIV card termination (part of
// card maintenance: a lost or compromised card is terminated, never reinstated). So a lost token is only
// ever decommissioned: if it turns up again it is wiped and goes back to stock, not back to its user.
constexpr std::array<Transition, 10> kAll{{
    {S::kInStock, S::kActive, "issue: provisioned for a user"},
    {S::kInStock, S::kDecommissioned, "retire from stock (defective, destroyed)"},
    {S::kActive, S::kSuspended, "suspend: temporarily unusable (user on leave, under investigation)"},
    {S::kActive, S::kLost, "report lost or stolen"},
    {S::kActive, S::kDecommissioned, "retire: the user returned it or left"},
    {S::kSuspended, S::kActive, "reinstate"},
    {S::kSuspended, S::kLost, "report lost or stolen while suspended"},
    {S::kSuspended, S::kDecommissioned, "retire while suspended"},
    {S::kLost, S::kDecommissioned, "close a lost token's record (found or written off)"},
    // A decommissioned token that was wiped (token-reset) returns to stock for a new user.
    {S::kDecommissioned, S::kInStock, "recycle: wiped and returned to stock"},
}};
}  // namespace

std::span<const Transition> lifecycle_transitions() {
  return kAll;
}

const Transition* find_transition(LifecycleStatus from, LifecycleStatus to) {
  for (const auto& t : kAll)
    if (t.from == from && t.to == to) return &t;
  return nullptr;
}

}  // namespace keydesk::store
