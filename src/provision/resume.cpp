#include "provision/resume.h"

#include <charconv>
#include <cstdio>

namespace keydesk::provision {

namespace {
Error foreign(const std::string& marker) {
  return Error::make(ErrorKind::kIntegrity,
                     "the provisioning journal holds a marker keydesk does not write (" + marker +
                         "): check the audit trail (keydesk audit verify)");
}
}  // namespace

std::string policy_marker(int run, const Policy& policy) {
  return "r" + std::to_string(run) + "/policy:" + policy.name + "@" + policy.digest.substr(0, 16);
}

std::string plan_marker(int run, const Plan& plan) {
  uint32_t mask = 0;
  const auto& all = all_steps();
  for (size_t i = 0; i < all.size(); ++i)
    if (plan.has(all[i].id)) mask |= 1u << i;
  char hex[16];
  std::snprintf(hex, sizeof hex, "%x", mask);
  return "r" + std::to_string(run) + "/plan:" + hex;
}

std::vector<StepId> steps_of_mask(uint32_t mask) {
  std::vector<StepId> out;
  const auto& all = all_steps();
  for (size_t i = 0; i < all.size(); ++i)
    if (mask & (1u << i)) out.push_back(all[i].id);
  return out;
}

std::string step_marker(int run, StepId step, std::string_view phase) {
  return "r" + std::to_string(run) + "/" + std::string(step_spec(step).name) + ":" + std::string(phase);
}

std::string run_marker(int run, std::string_view what) {
  return "r" + std::to_string(run) + "/" + std::string(what);
}

Result<RunJournal> read_journal(const std::vector<std::string>& markers) {
  struct Parsed {
    int run;
    std::string rest;
  };
  std::vector<Parsed> parsed;
  int latest = 0;
  for (const auto& m : markers) {
    if (m.size() < 3 || m[0] != 'r') return foreign(m);
    const size_t slash = m.find('/');
    if (slash == std::string::npos || slash == 1) return foreign(m);
    int run = 0;
    auto [end, ec] = std::from_chars(m.data() + 1, m.data() + slash, run);
    if (ec != std::errc() || end != m.data() + slash || run <= 0) return foreign(m);
    parsed.push_back({run, m.substr(slash + 1)});
    latest = std::max(latest, run);
  }
  RunJournal j;
  j.run = latest;
  for (const auto& p : parsed) {
    if (p.run != latest) continue;
    const std::string& r = p.rest;
    if (r.starts_with("policy:")) {
      const size_t at = r.find('@');
      if (at == std::string::npos) return foreign("r" + std::to_string(p.run) + "/" + r);
      j.policy_name = r.substr(7, at - 7);
      j.policy_digest = r.substr(at + 1);
      continue;
    }
    if (r.starts_with("plan:")) {
      uint32_t mask = 0;
      const char* first = r.data() + 5;
      const char* last = r.data() + r.size();
      auto [end, ec] = std::from_chars(first, last, mask, 16);
      if (ec != std::errc() || end != last || first == last || (mask >> all_steps().size()) != 0)
        return foreign("r" + std::to_string(p.run) + "/" + r);
      j.plan_mask = mask;
      continue;
    }
    if (r == "rollback") {
      j.rollback_started = true;
      continue;
    }
    if (r == "rolled-back") {
      j.rolled_back_all = true;
      continue;
    }
    const size_t colon = r.rfind(':');
    if (colon == std::string::npos) return foreign("r" + std::to_string(p.run) + "/" + r);
    const auto step = parse_step_name(r.substr(0, colon));
    const std::string phase = r.substr(colon + 1);
    if (!step) return foreign("r" + std::to_string(p.run) + "/" + r);
    if (phase == "begin")
      j.begun[*step] = true;
    else if (phase == "done")
      j.done[*step] = true;
    else if (phase == "rolled-back")
      j.rolled_back[*step] = true;
    else
      return foreign("r" + std::to_string(p.run) + "/" + r);
  }
  // A step is done only after it began; a journal saying otherwise was not written by keydesk.
  for (const auto& [step, _] : j.done)
    if (!j.is_begun(step)) return foreign(step_marker(j.run, step, "done"));
  return j;
}

namespace {
Action act(Action::Kind kind, StepId step, std::string reason = {}) {
  return Action{kind, step, std::move(reason)};
}

Action forward(const Plan& plan, const RunJournal& j, const std::optional<Observation>& obs) {
  if (j.rollback_started || j.rolled_back_all)
    return {Action::Kind::kStop, std::nullopt,
            "run " + std::to_string(j.run) + " is being rolled back: finish with --rollback"};
  for (StepId step : plan.steps) {
    if (j.is_done(step)) continue;
    const StepSpec& spec = step_spec(step);
    if (!j.is_begun(step)) return act(Action::Kind::kRun, step);
    // Begun and not done: interrupted somewhere inside the step.
    if (obs && obs->step == step) {
      switch (obs->kind) {
        case Observation::Kind::kApplied:
          return act(Action::Kind::kMarkDone, step);
        case Observation::Kind::kNotApplied:
          return act(Action::Kind::kRun, step);
        case Observation::Kind::kUnknown:
          if (spec.idempotent) return act(Action::Kind::kRun, step);
          return act(Action::Kind::kStop, step,
                     "step " + std::string(spec.name) +
                         " was interrupted and the token cannot tell whether it took "
                         "effect without spending a try" +
                         (obs->detail.empty() ? "" : " (" + obs->detail + ")"));
        case Observation::Kind::kContradiction:
          return act(Action::Kind::kStop, step,
                     "step " + std::string(spec.name) +
                         ": the token is neither as before nor as after the step" +
                         (obs->detail.empty() ? "" : " (" + obs->detail + ")") +
                         "; someone else changed it: nothing more is done");
      }
    }
    if (spec.observable) return act(Action::Kind::kObserve, step);
    if (spec.idempotent) return act(Action::Kind::kRun, step);
    return act(Action::Kind::kStop, step,
               "step " + std::string(spec.name) + " was interrupted and cannot be repeated safely");
  }
  return {Action::Kind::kFinished, std::nullopt, {}};
}

Action backward(const Plan& plan, const RunJournal& j, const std::optional<Observation>& obs,
                bool confirmed) {
  if (confirmed)
    return {Action::Kind::kStop, std::nullopt,
            "the token's provisioning is confirmed: a confirmed token is retired through its lifecycle, not "
            "rolled "
            "back"};
  if (j.rolled_back_all) return {Action::Kind::kFinished, std::nullopt, {}};
  for (auto it = plan.steps.rbegin(); it != plan.steps.rend(); ++it) {
    const StepId step = *it;
    if (!j.is_begun(step) || j.is_rolled_back(step)) continue;
    const StepSpec& spec = step_spec(step);
    if (spec.reversal != Reversal::kReverts) return act(Action::Kind::kMarkRolledBack, step);
    if (obs && obs->step == step) {
      switch (obs->kind) {
        case Observation::Kind::kApplied:
          return act(Action::Kind::kUndo, step);
        case Observation::Kind::kNotApplied:
          return act(Action::Kind::kMarkRolledBack, step);
        case Observation::Kind::kUnknown:
          if (spec.idempotent) return act(Action::Kind::kUndo, step);
          return act(Action::Kind::kStop, step,
                     "step " + std::string(spec.name) +
                         ": the token cannot tell whether it took effect without "
                         "spending a try, so it is not undone");
        case Observation::Kind::kContradiction:
          return act(Action::Kind::kStop, step,
                     "step " + std::string(spec.name) +
                         ": the token is neither as before nor as after the step" +
                         (obs->detail.empty() ? "" : " (" + obs->detail + ")"));
      }
    }
    if (spec.observable) return act(Action::Kind::kObserve, step);
    return act(Action::Kind::kUndo, step);
  }
  return {Action::Kind::kFinished, std::nullopt, {}};
}
}  // namespace

Action next_action(const Plan& plan, const RunJournal& journal, Direction direction,
                   const std::optional<Observation>& observation, bool confirmed) {
  if (direction == Direction::kForward) {
    if (confirmed && journal.is_done(StepId::kConfirm)) return {Action::Kind::kFinished, std::nullopt, {}};
    return forward(plan, journal, observation);
  }
  return backward(plan, journal, observation, confirmed);
}

}  // namespace keydesk::provision
