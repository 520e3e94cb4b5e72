#include "provision/executor.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "core/text.h"
#include "provision/derivation.h"
#include "provision/material.h"
#include "provision/resume.h"
#include "provision/token_ops.h"

namespace keydesk::provision {

const char* outcome_name(ProvisionReport::Outcome o) {
  switch (o) {
    case ProvisionReport::Outcome::kConfirmed:
      return "confirmed";
    case ProvisionReport::Outcome::kRolledBack:
      return "rolled-back";
    case ProvisionReport::Outcome::kAlreadyConfirmed:
      return "already-confirmed";
  }
  return "?";
}

namespace {

std::string now_utc() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const std::time_t t = system_clock::to_time_t(now);
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

bool is_token_step(StepId s) {
  return step_spec(s).effect == StepEffect::kWritesSecrets;
}

class Run {
 public:
  Run(TokenLink& link, store::RecordStore& store, const Policy& policy, const ProvisionOptions& options)
      : link_(link),
        store_(store),
        policy_(policy),
        options_(options),
        secrets_(store, options.actor, "provisioning under policy " + policy.name) {}

  Result<ProvisionReport> go() {
    auto report = go_through_plan();
    // What waits is written on every way out, a failure's too (it keeps a resume from observing again).
    Status flushed = flush_markers();
    if (report.ok() && !flushed.ok()) return flushed.error();
    return report;
  }

 private:
  Result<ProvisionReport> go_through_plan();
  // Journal markers go to the store in batches, one durable commit each (RecordStore::journal_steps).
  // A marker may wait only where losing it leaves a journal a resume already meets after a crash: it
  // waits for the next marker that must be durable before the token is touched (the next step's `begin`)
  // or for the end of the run. A lost `done` leaves the journal as a kill at the step's `applied` point
  // does (begun, not done), and a resume then looks at the token before anything else (resume.h). Every
  // other marker is durable when mark() returns.
  Status mark(const std::string& marker, bool may_wait = false) {
    waiting_markers_.push_back(marker);
    return may_wait ? Status{} : flush_markers();
  }
  Status flush_markers() {
    if (waiting_markers_.empty()) return {};
    std::vector<std::string> batch = std::move(waiting_markers_);
    waiting_markers_.clear();
    KD_TRY(store_.journal_steps(facts_.cuid, batch, options_.actor));
    for (const auto& m : batch) hook(m);
    return {};
  }
  void hook(const std::string& marker) {
    if (options_.after_marker) options_.after_marker(marker);
  }
  // A `done` may wait (mark()); so may the markers that open a run on a record created in this run
  // (may_wait), as the token is untouched until the first token step's `begin` and a crash before then
  // leaves a pending record with no marker of the run, which is how a crash right after create_record
  // leaves it too.
  Status mark_step(StepId step, std::string_view phase, bool may_wait = false) {
    KD_TRY(mark(step_marker(journal_.run, step, phase), may_wait || phase == "done"));
    if (phase == "begin") journal_.begun[step] = true;
    if (phase == "done") journal_.done[step] = true;
    if (phase == "rolled-back") journal_.rolled_back[step] = true;
    return {};
  }
  // The run's policy and plan markers, once the record exists (the journal refers to it).
  Status mark_run_start(bool may_wait = false) {
    if (!journal_.policy_digest.empty()) return {};
    KD_TRY(mark(policy_marker(journal_.run, policy_), may_wait));
    KD_TRY(mark(plan_marker(journal_.run, plan_), may_wait));
    journal_.policy_digest = policy_.digest.substr(0, 16);
    return {};
  }
  std::string reason() const {
    return "provisioning run " + std::to_string(journal_.run) + " under policy " + policy_.name;
  }

  Status ensure_material() {
    if (material_) return {};
    KD_ASSIGN_OR_RETURN(store::TokenRecord r, store_.get_record(facts_.cuid));
    KD_ASSIGN_OR_RETURN(Material m, load_material(policy_, plan_, facts_, r, secrets_, store_, options_.actor,
                                                  "resuming " + reason()));
    material_ = std::move(m);
    return {};
  }
  StepContext context() { return StepContext{link_, policy_, plan_, facts_, *material_, now_}; }

  Status run_record_step();
  Status run_step(StepId step);
  Status confirm();
  Status finish_rollback();
  void report(StepId step, std::string outcome) {
    report_.steps.push_back({std::string(step_spec(step).name), std::move(outcome)});
  }

  TokenLink& link_;
  store::RecordStore& store_;
  const Policy& policy_;
  const ProvisionOptions& options_;
  SecretResolver secrets_;
  TokenFacts facts_;
  Plan plan_;
  RunJournal journal_;
  std::vector<std::string> waiting_markers_;  // markers not yet in the store (mark())
  std::optional<store::TokenRecord> record_;
  store::UserIdentity user_;
  std::optional<Material> material_;
  std::time_t now_ = 0;
  ProvisionReport report_;
};

Status Run::run_record_step() {
  KD_ASSIGN_OR_RETURN(Material m,
                      make_material(policy_, plan_, facts_, user_, secrets_, store_, options_.actor));
  const PlanDecisions& d = plan_.decisions;
  KD_ASSIGN_OR_RETURN(std::string kcv, key_check_value(m.admin_cipher, m.admin_key));
  auto fill = [&](store::TokenRecord& r) {
    r.cuid_source = facts_.cuid_source;
    r.serial = facts_.serial;
    r.model = facts_.model;
    r.atr = facts_.atr;
    r.user = user_;
    r.pin_method = d.pin_method;
    r.puk_method = d.puk_method;
    r.admin_key_method = d.admin_key_method;
    r.admin_key_check = kcv;
    r.fido_policy = d.fido_policy;
    r.oath.clear();
    for (const auto& c : m.oath) r.oath.push_back(c.record);
  };
  std::vector<store::NewSecret> secrets = sealed_fields(plan_, m);
  if (!record_) {
    store::TokenRecord r;
    r.cuid = facts_.cuid;
    r.status = store::LifecycleStatus::kInStock;
    r.provisioning = store::ProvisioningState::kPending;
    fill(r);
    // Record before set: the record and every secret commit together, before anything reaches the token.
    KD_ASSIGN_OR_RETURN(store::TokenRecord created,
                        store_.create_record(r, std::move(secrets), options_.actor, reason()));
    record_ = created;
    KD_TRY(mark_run_start(true));
    KD_TRY(mark_step(StepId::kRecord, "begin", true));
  } else {
    KD_TRY(mark_run_start());
    if (!journal_.is_begun(StepId::kRecord)) KD_TRY(mark_step(StepId::kRecord, "begin"));
    KD_TRY(store_.update_record(
        facts_.cuid,
        [&](store::TokenRecord& r) -> Status {
          fill(r);
          return {};
        },
        options_.actor, reason()));
    for (const auto& s : secrets)
      KD_TRY(store_.put_secret(facts_.cuid, s.field, s.value, options_.actor, reason()));
    KD_ASSIGN_OR_RETURN(store::TokenRecord pending, store_.update_record(
                                                        facts_.cuid,
                                                        [](store::TokenRecord& r) -> Status {
                                                          r.provisioning = store::ProvisioningState::kPending;
                                                          return {};
                                                        },
                                                        options_.actor, reason()));
    record_ = pending;
  }
  material_ = std::move(m);
  KD_TRY(mark_step(StepId::kRecord, "done"));
  report(StepId::kRecord, "done");
  return {};
}

Status Run::confirm() {
  KD_TRY(ensure_material());
  if (!journal_.is_begun(StepId::kConfirm)) KD_TRY(mark_step(StepId::kConfirm, "begin"));
  StepContext ctx = context();
  for (StepId step : plan_.steps)
    if (is_token_step(step)) KD_TRY(verify_token_step(step, ctx));
  KD_ASSIGN_OR_RETURN(store::TokenRecord r, store_.get_record(facts_.cuid));
  if (r.provisioning != store::ProvisioningState::kConfirmed) {
    KD_ASSIGN_OR_RETURN(r, store_.update_record(
                               facts_.cuid,
                               [&](store::TokenRecord& rec) -> Status {
                                 rec.provisioning = store::ProvisioningState::kConfirmed;
                                 rec.provisioned_at = now_utc();
                                 rec.provisioned_by = options_.actor.operator_name;
                                 return {};
                               },
                               options_.actor, reason() + ": the token reads back as the policy says"));
  }
  if (r.status == store::LifecycleStatus::kInStock) {
    KD_ASSIGN_OR_RETURN(r, store_.set_status(facts_.cuid, store::LifecycleStatus::kActive, options_.actor,
                                             "issued: " + reason()));
  }
  record_ = r;
  KD_TRY(mark_step(StepId::kConfirm, "done"));
  report(StepId::kConfirm, "done");
  return {};
}

Status Run::run_step(StepId step) {
  if (step == StepId::kRecord) return run_record_step();
  if (step == StepId::kConfirm) return confirm();
  KD_TRY(ensure_material());
  const bool again = journal_.is_begun(step);
  if (!again) KD_TRY(mark_step(step, "begin"));
  if (step == StepId::kOathExport) {
    KD_ASSIGN_OR_RETURN(store::TokenRecord r, store_.get_record(facts_.cuid));
    KD_ASSIGN_OR_RETURN(report_.export_path,
                        export_pskc(*policy_.oath.export_to, facts_, r, material_->oath, secrets_));
  } else {
    StepContext ctx = context();
    KD_TRY(apply_token_step(step, ctx));
    hook(step_marker(journal_.run, step, "applied"));
    KD_TRY(verify_token_step(step, ctx));
  }
  KD_TRY(mark_step(step, "done"));
  report(step, again ? "run again" : "done");
  return {};
}

// What the record says after a rollback: the factory values that came back are on record in place of
// what provisioning had recorded; what stays on the token (an XAUTH key, an ACA PUK, a FIDO PIN: kept)
// stays on record.
Status Run::finish_rollback() {
  const auto begun = [&](StepId s) { return plan_.has(s) && journal_.is_begun(s); };
  const store::Actor& actor = options_.actor;
  const std::string why = "rollback of " + reason();
  const bool aca = plan_.decisions.xauth;
  KD_ASSIGN_OR_RETURN(std::string default_kcv,
                      key_check_value(crypto::BlockCipher::kTdes, default_management_key()));
  if (journal_.is_done(StepId::kRecord)) {
    KD_TRY(ensure_material());
    // Whatever the run did, the PIN is the transport PIN again and the PIV management key the default; on
    // a PIV-only token the PUK is the default too.
    KD_TRY(store_.put_secret(facts_.cuid, store::SecretField::initial_pin(), material_->transport_pin.bytes(),
                             actor, why));
    KD_TRY(store_.put_secret(facts_.cuid,
                             aca ? store::SecretField::piv_management_key() : store::SecretField::admin_key(),
                             default_management_key(), actor, why));
    if (!aca)
      KD_TRY(store_.put_secret(facts_.cuid, store::SecretField::puk(), bytes_of(kDefaultPuk), actor, why));
  }
  KD_ASSIGN_OR_RETURN(
      store::TokenRecord r,
      store_.update_record(
          facts_.cuid,
          [&](store::TokenRecord& rec) -> Status {
            rec.provisioning = store::ProvisioningState::kNone;
            rec.pin_method = store::PinMethod::kUnknown;
            if (!aca) {
              rec.puk_method = store::PukMethod::kFactoryDefault;
              rec.admin_key_method = store::AdminKeyMethod::kFactoryDefault;
              rec.admin_key_check = default_kcv;
            } else {
              if (!begun(StepId::kAcaPuk)) rec.puk_method = store::PukMethod::kNotSet;
              if (!begun(StepId::kAcaXauthKey)) {
                rec.admin_key_method = store::AdminKeyMethod::kUnknown;
                rec.admin_key_check.clear();
              }
            }
            rec.oath.clear();  // deleted from the token (or never put there); their seeds leave the store
            if (!begun(StepId::kFidoPin)) rec.fido_policy.clear();
            return {};
          },
          actor, why));
  record_ = r;
  KD_TRY(mark(run_marker(journal_.run, "rolled-back")));
  journal_.rolled_back_all = true;
  return {};
}

Result<ProvisionReport> Run::go_through_plan() {
  now_ = options_.now ? options_.now : std::time(nullptr);
  const bool fido = policy_.fido.scope == FidoScope::kPinRule && policy_.fido.set_pin;
  KD_ASSIGN_OR_RETURN(facts_, read_facts(link_, fido));
  report_.cuid = facts_.cuid;
  report_.serial = facts_.serial;
  report_.model = facts_.model;

  auto existing = store_.get_record(facts_.cuid);
  if (existing.ok()) {
    record_ = *existing;
  } else if (existing.error().kind != ErrorKind::kNotFound) {
    return existing.error();
  }
  std::vector<std::string> markers;
  if (record_) {
    KD_ASSIGN_OR_RETURN(auto steps, store_.journal(facts_.cuid));
    for (auto& s : steps) markers.push_back(std::move(s.step));
  }
  KD_ASSIGN_OR_RETURN(journal_, read_journal(markers));
  const int last_run = journal_.run;
  user_ = options_.user;
  if (user_.name.empty() && user_.employee_id.empty() && user_.email.empty() && record_)
    user_ = record_->user;
  const bool pending = record_ && record_->provisioning == store::ProvisioningState::kPending;
  const bool confirmed = record_ && record_->provisioning == store::ProvisioningState::kConfirmed;
  const bool confirm_unfinished = confirmed && journal_.run > 0 && !journal_.is_done(StepId::kConfirm);
  const std::string cuid = facts_.cuid.hex();

  Mode mode = options_.mode;
  if (mode == Mode::kContinue) {
    if (pending || confirm_unfinished) {
      mode = Mode::kResume;
    } else if (confirmed) {
      report_.outcome = ProvisionReport::Outcome::kAlreadyConfirmed;
      report_.record = *record_;
      report_.run = journal_.run;
      return report_;
    } else {
      mode = Mode::kFresh;
    }
  }
  const Direction direction = mode == Mode::kRollback ? Direction::kRollback : Direction::kForward;

  if (mode == Mode::kFresh) {
    if (pending)
      return Error::make(ErrorKind::kConflict, "the provisioning of CUID " + cuid + " is pending (run " +
                                                   std::to_string(journal_.run) +
                                                   "): complete it with --resume or undo it with --rollback");
    if (confirmed) return Error::make(ErrorKind::kConflict, "CUID " + cuid + " is already provisioned");
    if (record_ && record_->status != store::LifecycleStatus::kInStock)
      return Error::make(ErrorKind::kRefused, "CUID " + cuid + " is on record as " +
                                                  store::status_name(record_->status) +
                                                  ": only a token in stock is provisioned");
    KD_TRY(check_factory_state(policy_, facts_));
    KD_ASSIGN_OR_RETURN(plan_, build_plan(policy_, facts_));
    journal_ = RunJournal{};
    journal_.run = last_run + 1;
  } else {
    if (!pending && !confirm_unfinished)
      return Error::make(ErrorKind::kNotFound, "CUID " + cuid + " has no pending provisioning to " +
                                                   (mode == Mode::kRollback ? "roll back" : "resume"));
    report_.resumed = true;
    KD_ASSIGN_OR_RETURN(plan_, build_plan(policy_, facts_));
    const bool run_started = journal_.run > 0 && !journal_.rolled_back_all && !journal_.policy_digest.empty();
    if (run_started) {
      if (journal_.policy_digest != policy_.digest.substr(0, 16))
        return Error::make(ErrorKind::kUsage,
                           "run " + std::to_string(journal_.run) + " of CUID " + cuid +
                               " started under policy " + quoted_text(journal_.policy_name) + "@" +
                               journal_.policy_digest + ", not this file: resume with the same policy file");
      if (journal_.plan_mask) plan_.steps = steps_of_mask(*journal_.plan_mask);
      plan_.decisions.piv_retries = plan_.has(StepId::kPivRetries);
    } else {
      // Killed after the record was created and before the run's first marker: nothing reached the token.
      journal_ = RunJournal{};
      journal_.run = last_run + 1;
    }
    if (direction == Direction::kRollback && !journal_.rollback_started && !journal_.policy_digest.empty()) {
      KD_TRY(mark(run_marker(journal_.run, "rollback")));
      journal_.rollback_started = true;
    }
  }
  report_.run = journal_.run;
  if (!plan_.decisions.pin_note.empty()) report_.notes.push_back(plan_.decisions.pin_note);
  if (policy_.fido.scope == FidoScope::kOutOfScope)
    report_.notes.push_back("FIDO is out of scope of this policy: recorded as such, nothing set");
  else if (!policy_.fido.set_pin)
    report_.notes.push_back("FIDO PIN rule " + policy_.fido.rule + " recorded; no FIDO PIN set");

  std::optional<Observation> observation;
  for (int guard = 0; guard < 200; ++guard) {
    const bool is_confirmed = record_ && record_->provisioning == store::ProvisioningState::kConfirmed;
    const Action a = next_action(plan_, journal_, direction, observation, is_confirmed);
    observation.reset();
    switch (a.kind) {
      case Action::Kind::kRun:
        KD_TRY(run_step(*a.step));
        break;
      case Action::Kind::kObserve: {
        KD_TRY(ensure_material());
        StepContext ctx = context();
        KD_ASSIGN_OR_RETURN(observation, observe_token_step(*a.step, ctx));
        break;
      }
      case Action::Kind::kMarkDone:
        KD_TRY(mark_step(*a.step, "done"));
        report(*a.step, "done before");
        break;
      case Action::Kind::kUndo: {
        KD_TRY(ensure_material());
        StepContext ctx = context();
        KD_TRY(undo_token_step(*a.step, ctx));
        KD_TRY(mark_step(*a.step, "rolled-back"));
        report(*a.step, "undone");
        break;
      }
      case Action::Kind::kMarkRolledBack: {
        const Reversal r = step_spec(*a.step).reversal;
        if (*a.step == StepId::kOathExport && policy_.oath.export_to)
          ::unlink((policy_.oath.export_to->directory + "/" + cuid + ".pskc").c_str());
        KD_TRY(mark_step(*a.step, "rolled-back"));
        report(*a.step, r == Reversal::kKept      ? "kept"
                        : r == Reversal::kNothing ? "rolled back"
                                                  : "not applied");
        break;
      }
      case Action::Kind::kFinished: {
        if (direction == Direction::kRollback) {
          if (!journal_.rolled_back_all) KD_TRY(finish_rollback());
          report_.outcome = ProvisionReport::Outcome::kRolledBack;
        } else {
          report_.outcome = ProvisionReport::Outcome::kConfirmed;
        }
        KD_TRY(flush_markers());
        KD_ASSIGN_OR_RETURN(report_.record, store_.get_record(facts_.cuid));
        return report_;
      }
      case Action::Kind::kStop:
        return Error::make(ErrorKind::kConflict, "CUID " + cuid + ": " + a.reason);
    }
  }
  return Error::make(ErrorKind::kInternal, "provisioning did not finish");
}

}  // namespace

Result<ProvisionReport> provision_token(TokenLink& link, store::RecordStore& store, const Policy& policy,
                                        const ProvisionOptions& options) {
  Run run(link, store, policy, options);
  return run.go();
}

}  // namespace keydesk::provision
