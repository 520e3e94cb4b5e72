// The journal of a provisioning run and the resume machine (docs/provisioning.md, "Resume"): a pure
// function from (plan, journal, what the token showed) to the one next action. The executor asks it again
// after every action, so an interrupted run — a card pulled, keydesk killed — continues from the journal
// alone, or rolls back.
//
// Journal markers (store::RecordStore::journal_step, unique per token):
//   r<N>/policy:<name>@<first 16 hex digits of the policy's SHA-256>   run N started under that policy
//   r<N>/plan:<hex>      the steps of run N's plan (bit i = the i-th step of all_steps())
//   r<N>/<step>:begin    r<N>/<step>:done    r<N>/<step>:rolled-back
//   r<N>/rollback        a rollback of run N started
//   r<N>/rolled-back     run N is rolled back (a later provisioning starts run N+1)
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "provision/plan.h"

namespace keydesk::provision {

struct RunJournal {
  int run = 0;  // 0: no run on record
  std::string policy_name;
  std::string policy_digest;  // 16 hex digits
  std::optional<uint32_t> plan_mask;
  std::map<StepId, bool> begun, done, rolled_back;
  bool rollback_started = false;
  bool rolled_back_all = false;
  bool is_begun(StepId s) const { return begun.count(s) > 0; }
  bool is_done(StepId s) const { return done.count(s) > 0; }
  bool is_rolled_back(StepId s) const { return rolled_back.count(s) > 0; }
};

// The latest run in a token's journal (markers of earlier runs are history). kIntegrity for a marker
// keydesk does not write (a journal changed behind its back is not something to act on).
Result<RunJournal> read_journal(const std::vector<std::string>& markers);

std::string policy_marker(int run, const Policy& policy);
std::string plan_marker(int run, const Plan& plan);
// The steps a plan marker names, in the one order steps run.
std::vector<StepId> steps_of_mask(uint32_t mask);
std::string step_marker(int run, StepId step, std::string_view phase);  // phase: begin, done, rolled-back
std::string run_marker(int run, std::string_view what);                 // rollback, rolled-back

// What the token showed about a step that was begun and not finished, read without spending anything.
struct Observation {
  enum class Kind {
    kApplied,        // the step's effect is on the token (and, where it can be, proven)
    kNotApplied,     // the token is as before the step
    kUnknown,        // the token cannot tell without spending a try
    kContradiction,  // neither: the token was changed by someone else
  };
  StepId step = StepId::kRecord;
  Kind kind = Kind::kUnknown;
  std::string detail;  // what was seen, never a secret
};

enum class Direction { kForward, kRollback };

struct Action {
  enum class Kind {
    kRun,             // write `begin` (if not yet), run the step, read it back, write `done`
    kObserve,         // look at the token for `step` and ask again with the Observation
    kMarkDone,        // the step took effect before the interruption: write `done`
    kUndo,            // roll the step back on the token, then write `rolled-back`
    kMarkRolledBack,  // nothing to undo on the token (not applied, kept, or a store step): write
                      // `rolled-back`
    kFinished,        // forward: every step done; rollback: every step rolled back (write r<N>/rolled-back)
    kStop,            // nothing safe to do without a person: `reason` says why
  };
  Kind kind = Kind::kStop;
  std::optional<StepId> step;
  std::string reason;
};

// The next action. `observation` answers a previous kObserve for the same step (ignored otherwise).
//
// Forward: steps in plan order; a done step is skipped; a step never begun is run; a begun one is
// observed when the token can tell (applied: mark done; not applied: run; contradiction: stop), else run
// again if idempotent, else stop. Rollback: steps that were begun, in reverse order; a step that reverts
// is observed (applied: undo; not applied: mark) and a kept or store step is marked; a confirmed run is
// not rolled back.
Action next_action(const Plan& plan, const RunJournal& journal, Direction direction,
                   const std::optional<Observation>& observation, bool confirmed);

}  // namespace keydesk::provision
