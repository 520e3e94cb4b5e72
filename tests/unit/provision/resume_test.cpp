// The resume machine: for every point a run can stop at, the next action is the safe one.
#include "provision/resume.h"

#include <gtest/gtest.h>

namespace keydesk::provision {
namespace {

Plan yubikey_plan() {
  Plan p;
  p.steps = {StepId::kRecord, StepId::kPivRetries,      StepId::kPivManagementKey, StepId::kPivPuk,
             StepId::kPivPin, StepId::kOathCredentials, StepId::kFidoPin,          StepId::kConfirm};
  return p;
}

RunJournal journal(std::initializer_list<std::pair<StepId, const char*>> marks) {
  std::vector<std::string> markers = {"r1/policy:corp@0123456789abcdef"};
  for (const auto& [step, phase] : marks) markers.push_back(step_marker(1, step, phase));
  auto j = read_journal(markers);
  EXPECT_TRUE(j.ok()) << describe(j.error());
  return *j;
}

Observation seen(StepId step, Observation::Kind kind) {
  return {step, kind, ""};
}

using K = Action::Kind;
using O = Observation::Kind;

TEST(Journal, ReadsTheLatestRunOnly) {
  auto j = read_journal({"r1/policy:a@1111111111111111", "r1/record:begin", "r1/record:done", "r1/rollback",
                         "r1/rolled-back", "r2/policy:b@2222222222222222", "r2/record:begin"});
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->run, 2);
  EXPECT_EQ(j->policy_name, "b");
  EXPECT_EQ(j->policy_digest, "2222222222222222");
  EXPECT_TRUE(j->is_begun(StepId::kRecord));
  EXPECT_FALSE(j->is_done(StepId::kRecord));
  EXPECT_FALSE(j->rolled_back_all);
  EXPECT_EQ(read_journal({})->run, 0);
}

TEST(Journal, RefusesMarkersKeydeskDoesNotWrite) {
  for (const char* bad : {"x1/record:begin", "r0/record:begin", "r1/unknown-step:begin", "r1/record:maybe",
                          "r1/record", "r/record:begin", "r1x/record:begin"})
    EXPECT_EQ(read_journal({bad}).error().kind, ErrorKind::kIntegrity) << bad;
  // done without begin
  EXPECT_EQ(read_journal({"r1/record:done"}).error().kind, ErrorKind::kIntegrity);
}

TEST(Forward, RunsStepsInOrderAndSkipsDoneOnes) {
  const Plan plan = yubikey_plan();
  auto a = next_action(plan, journal({}), Direction::kForward, std::nullopt, false);
  EXPECT_EQ(a.kind, K::kRun);
  EXPECT_EQ(a.step, StepId::kRecord);
  a = next_action(plan, journal({{StepId::kRecord, "begin"}, {StepId::kRecord, "done"}}), Direction::kForward,
                  std::nullopt, false);
  EXPECT_EQ(a.kind, K::kRun);
  EXPECT_EQ(a.step, StepId::kPivRetries);
}

TEST(Forward, AnInterruptedObservableStepIsObservedFirst) {
  const Plan plan = yubikey_plan();
  const RunJournal j = journal({{StepId::kRecord, "begin"},
                                {StepId::kRecord, "done"},
                                {StepId::kPivRetries, "begin"},
                                {StepId::kPivRetries, "done"},
                                {StepId::kPivManagementKey, "begin"},
                                {StepId::kPivManagementKey, "done"},
                                {StepId::kPivPuk, "begin"}});
  auto a = next_action(plan, j, Direction::kForward, std::nullopt, false);
  EXPECT_EQ(a.kind, K::kObserve);
  EXPECT_EQ(a.step, StepId::kPivPuk);
  EXPECT_EQ(next_action(plan, j, Direction::kForward, seen(StepId::kPivPuk, O::kApplied), false).kind,
            K::kMarkDone);
  EXPECT_EQ(next_action(plan, j, Direction::kForward, seen(StepId::kPivPuk, O::kNotApplied), false).kind,
            K::kRun);
  // Not idempotent (CHANGE REFERENCE DATA from the default would spend a PUK try if it already changed):
  // unknown stops.
  a = next_action(plan, j, Direction::kForward, seen(StepId::kPivPuk, O::kUnknown), false);
  EXPECT_EQ(a.kind, K::kStop);
  EXPECT_NE(a.reason.find("spending a try"), std::string::npos);
  a = next_action(plan, j, Direction::kForward, seen(StepId::kPivPuk, O::kContradiction), false);
  EXPECT_EQ(a.kind, K::kStop);
  // An observation of another step is not an answer.
  EXPECT_EQ(next_action(plan, j, Direction::kForward, seen(StepId::kPivPin, O::kApplied), false).kind,
            K::kObserve);
}

TEST(Forward, AnIdempotentStepRunsAgainWhenUnknown) {
  const Plan plan = yubikey_plan();
  const RunJournal j = journal({{StepId::kRecord, "begin"},
                                {StepId::kRecord, "done"},
                                {StepId::kPivRetries, "begin"},
                                {StepId::kPivRetries, "done"},
                                {StepId::kPivManagementKey, "begin"},
                                {StepId::kPivManagementKey, "done"},
                                {StepId::kPivPuk, "begin"},
                                {StepId::kPivPuk, "done"},
                                {StepId::kPivPin, "begin"},
                                {StepId::kPivPin, "done"},
                                {StepId::kOathCredentials, "begin"}});
  EXPECT_EQ(
      next_action(plan, j, Direction::kForward, seen(StepId::kOathCredentials, O::kUnknown), false).kind,
      K::kRun);
}

TEST(Forward, StoreStepsRunAgainAndAConfirmedRunIsFinished) {
  const Plan plan = yubikey_plan();
  auto a = next_action(plan, journal({{StepId::kRecord, "begin"}}), Direction::kForward, std::nullopt, false);
  EXPECT_EQ(a.kind, K::kRun);  // record is idempotent and not observable
  EXPECT_EQ(a.step, StepId::kRecord);
  RunJournal all;
  all.run = 1;
  for (StepId s : plan.steps) all.begun[s] = all.done[s] = true;
  EXPECT_EQ(next_action(plan, all, Direction::kForward, std::nullopt, true).kind, K::kFinished);
  // Confirmed in the record but the marker lost (killed in between): confirm runs again.
  all.done.erase(StepId::kConfirm);
  a = next_action(plan, all, Direction::kForward, std::nullopt, true);
  EXPECT_EQ(a.kind, K::kRun);
  EXPECT_EQ(a.step, StepId::kConfirm);
}

TEST(Forward, ARunBeingRolledBackIsNotContinued) {
  RunJournal j = journal({{StepId::kRecord, "begin"}});
  j.rollback_started = true;
  EXPECT_EQ(next_action(yubikey_plan(), j, Direction::kForward, std::nullopt, false).kind, K::kStop);
}

TEST(Rollback, ReverseOrderUndoesWhatRevertsAndMarksWhatIsKept) {
  const Plan plan = yubikey_plan();
  RunJournal j = journal({{StepId::kRecord, "begin"},
                          {StepId::kRecord, "done"},
                          {StepId::kPivRetries, "begin"},
                          {StepId::kPivRetries, "done"},
                          {StepId::kPivManagementKey, "begin"},
                          {StepId::kPivManagementKey, "done"},
                          {StepId::kPivPuk, "begin"},
                          {StepId::kPivPuk, "done"},
                          {StepId::kPivPin, "begin"},
                          {StepId::kPivPin, "done"},
                          {StepId::kOathCredentials, "begin"},
                          {StepId::kOathCredentials, "done"},
                          {StepId::kFidoPin, "begin"}});
  // fido-pin is kept (no way to remove a FIDO PIN but a reset): marked.
  auto a = next_action(plan, j, Direction::kRollback, std::nullopt, false);
  EXPECT_EQ(a.kind, K::kMarkRolledBack);
  EXPECT_EQ(a.step, StepId::kFidoPin);
  j.rolled_back[StepId::kFidoPin] = true;
  a = next_action(plan, j, Direction::kRollback, std::nullopt, false);
  EXPECT_EQ(a.kind, K::kObserve);
  EXPECT_EQ(a.step, StepId::kOathCredentials);
  EXPECT_EQ(
      next_action(plan, j, Direction::kRollback, seen(StepId::kOathCredentials, O::kApplied), false).kind,
      K::kUndo);
  EXPECT_EQ(
      next_action(plan, j, Direction::kRollback, seen(StepId::kOathCredentials, O::kNotApplied), false).kind,
      K::kMarkRolledBack);
  for (StepId s : {StepId::kOathCredentials, StepId::kPivPin, StepId::kPivPuk, StepId::kPivManagementKey,
                   StepId::kPivRetries})
    j.rolled_back[s] = true;
  a = next_action(plan, j, Direction::kRollback, std::nullopt, false);
  EXPECT_EQ(a.kind, K::kMarkRolledBack);
  EXPECT_EQ(a.step, StepId::kRecord);
  j.rolled_back[StepId::kRecord] = true;
  EXPECT_EQ(next_action(plan, j, Direction::kRollback, std::nullopt, false).kind, K::kFinished);
}

TEST(Rollback, NeverForAConfirmedTokenAndNeverAStepThatDidNotBegin) {
  const Plan plan = yubikey_plan();
  EXPECT_EQ(
      next_action(plan, journal({{StepId::kRecord, "begin"}}), Direction::kRollback, std::nullopt, true).kind,
      K::kStop);
  auto a =
      next_action(plan, journal({{StepId::kRecord, "begin"}}), Direction::kRollback, std::nullopt, false);
  EXPECT_EQ(a.kind, K::kMarkRolledBack);
  EXPECT_EQ(a.step, StepId::kRecord);
  // A contradiction stops the rollback too.
  RunJournal j = journal({{StepId::kRecord, "begin"}, {StepId::kRecord, "done"}, {StepId::kPivPuk, "begin"}});
  EXPECT_EQ(next_action(plan, j, Direction::kRollback, seen(StepId::kPivPuk, O::kContradiction), false).kind,
            K::kStop);
}

}  // namespace
}  // namespace keydesk::provision
