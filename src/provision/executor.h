// Provisioning of one token (docs/provisioning.md): read the token (read-only), plan, then drive the resume
// machine (resume.h) to the end, writing every step's `begin` and `done` to the store's journal. Record
// before set: the `record` step seals every secret in the store before the first step touches the token,
// and the record becomes provisioning confirmed / status active only after `confirm` read every step back.
// An interruption (card pulled, timeout, keydesk killed) leaves the journal saying where it stopped;
// provision_token() in kResume (or kContinue) mode completes the run from there, kRollback undoes it.
#pragma once

#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "provision/plan.h"
#include "provision/policy.h"
#include "provision/token_link.h"
#include "store/record_store.h"

namespace keydesk::provision {

enum class Mode {
  kFresh,     // a token with no pending or confirmed provisioning, in its factory state
  kResume,    // complete the pending run (same policy file)
  kRollback,  // undo the pending run: factory values back where they can be, kept secrets stay on record
  kContinue,  // provision-batch: resume a pending run, skip a confirmed token, else provision afresh
};

struct ProvisionOptions {
  Mode mode = Mode::kFresh;
  store::UserIdentity user;
  store::Actor actor;
  std::time_t now = 0;  // 0: the clock (for the TOTP read-back)
  // Called after each journal marker is durable, and with "r<N>/<step>:applied" after a token step took
  // effect and before its `done`: the test seam for interruptions (the CLI raises SIGKILL at the marker
  // named by $KEYDESK_TEST_KILL_AT, docs/provisioning.md "Testing").
  std::function<void(const std::string& marker)> after_marker;
};

struct StepReport {
  std::string step;
  std::string outcome;  // "done", "done before", "run again", "undone", "kept", "not applied", "skipped"
};

struct ProvisionReport {
  enum class Outcome { kConfirmed, kRolledBack, kAlreadyConfirmed };
  Outcome outcome = Outcome::kConfirmed;
  iso7816::Cuid cuid;
  std::string serial;
  std::string model;
  int run = 0;
  bool resumed = false;
  std::vector<StepReport> steps;
  std::vector<std::string> notes;  // what the record says that a person should know (no force-change...)
  std::string export_path;
  store::TokenRecord record;  // as it is on record at the end
};
const char* outcome_name(ProvisionReport::Outcome o);  // "confirmed", "rolled-back", "already-confirmed"

// Runs (or resumes, or rolls back) the provisioning of the token behind `link`. An error leaves the store
// and the token consistent: every secret the token holds is on record, and the journal says where to
// pick up. Errors: kRefused (not in factory state, a key the token refused), kConflict (pending: resume it;
// already confirmed; the resume machine stopped), kUsage (policy does not fit the token or the run),
// kIntegrity (the token does not read back as set), link failures (kTokenRemoved, kTimeout...).
Result<ProvisionReport> provision_token(TokenLink& link, store::RecordStore& store, const Policy& policy,
                                        const ProvisionOptions& options);

}  // namespace keydesk::provision
