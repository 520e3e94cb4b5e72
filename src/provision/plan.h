// The provisioning plan as data (docs/provisioning.md, "Steps"): which steps a policy makes of one token,
// in which order, and for each what it records before it touches the token, what it sets, how it reads the
// token back and how a rollback undoes it. build_plan() is pure: it sees the policy and what the token
// reported (TokenFacts, read without spending anything) and decides; the executor (executor.h) carries it
// out and the resume machine (resume.h) picks up an interrupted run from it.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "iso7816/cuid.h"
#include "provision/policy.h"
#include "store/record.h"

namespace keydesk::provision {

// What a step may do to the token (the access layer's effects: a step opens the token for exactly this).
enum class StepEffect {
  kLocal,          // the store and files only, no token
  kReadOnly,       // reads the token, changes nothing
  kWritesSecrets,  // sets a PIN, PUK, key or credential that is on record before it is set
};
const char* step_effect_name(StepEffect e);  // "local", "read-only", "writes-secrets"

enum class StepId {
  kRecord,            // seal every secret, provisioning = pending
  kPivRetries,        // PIV-only: SET PIN RETRIES (resets PIN and PUK to their defaults: first)
  kAcaXauthKey,       // PUT XAUTH KEY (factory state), then XAUTH with it
  kAcaProperties,     // SET PROPERTIES: PIN length rule, PIN/PUK/XAUTH tries, challenge type
  kAcaPuk,            // PUT PUK (XAUTH)
  kAcaPin,            // UNBLOCK PIN (XAUTH) with the random PIN, or ForcePinChange set
  kPivManagementKey,  // authenticate with the default, SET MANAGEMENT KEY to the recorded random key
  kPivPuk,            // PIV-only: CHANGE REFERENCE DATA 81 from the default PUK
  kPivPin,            // PIV-only: CHANGE REFERENCE DATA 80 from the transport PIN (random-delivered)
  kOathCredentials,   // YKOATH PUT of each credential with its counter
  kFidoPin,           // clientPIN setPIN with the recorded FIDO PIN
  kOathExport,        // the validation server's PSKC from the store
  kConfirm,           // read everything back; provisioning = confirmed, status active
};

// What a rollback does with a step that took effect.
enum class Reversal {
  kReverts,  // puts the token's factory value back (the recorded value is needed to do so)
  kKept,     // cannot be undone (an installed XAUTH key, a PUK, a FIDO PIN): stays on the token and on record
  kNothing,  // nothing on the token to undo (store and file steps)
};

struct StepSpec {
  StepId id;
  std::string_view name;  // stable: journal markers, docs, JSON ("aca-xauth-key")
  StepEffect effect;
  std::string_view records_before;  // the secrets on record before the step runs
  std::string_view sets;            // what it changes on the token
  std::string_view reads_back;      // how the executor checks the token afterwards, spending nothing
  std::string_view rolls_back;      // what a rollback does
  Reversal reversal;
  // Running it again is harmless: a resume may repeat it when it cannot tell whether it took effect.
  bool idempotent;
  // The token can tell, without spending a try, whether it took effect (resume.h Observation).
  bool observable;
};

// Every step there is, in the one order steps run (a plan is a subsequence).
const std::vector<StepSpec>& all_steps();
const StepSpec& step_spec(StepId id);
std::optional<StepId> parse_step_name(std::string_view name);

// What the token reported before anything was changed (read-only reads).
struct AcaFacts {
  bool xauth_initialized = false;
  bool puk_initialized = false;
  bool pin_is_initial = true;
  bool force_pin_change = false;
  int pin_tries = 0, pin_max_tries = 0;
};
struct PivFacts {
  bool metadata = false;  // GET METADATA works (YubiKey 5.3+, keydesk-sim): defaults can be told apart
  std::optional<bool> pin_default, puk_default, management_key_default;
  std::optional<bool> puk_initialized;  // false: no PUK reference (a token provisioned without one)
  std::optional<uint8_t> management_key_algorithm;
  int pin_tries = -1, puk_tries = -1;
};
struct OathFacts {
  bool password = false;
  std::vector<std::string> names;
};
struct FidoFacts {
  bool pin_set = false;
  bool reachable = true;  // a FIDO session could be opened
};

struct TokenFacts {
  iso7816::Cuid cuid;
  store::CuidSource cuid_source = store::CuidSource::kCplc;
  std::string serial;  // decimal
  std::string model;
  std::string atr;  // hex
  std::array<uint8_t, 3> version{0, 0, 0};
  std::optional<AcaFacts> aca;
  std::optional<PivFacts> piv;
  std::optional<OathFacts> oath;
  std::optional<FidoFacts> fido;
};

// Decisions build_plan() took for this token, which the record states.
struct PlanDecisions {
  store::PinMethod pin_method = store::PinMethod::kUnknown;
  bool random_pin = false;
  bool force_pin_change = false;
  std::string pin_note;  // e.g. why a default-force-change policy kept the default PIN without force-change
  store::PukMethod puk_method = store::PukMethod::kUnknown;
  bool xauth = false;  // the admin key is the ACA's XAUTH key (else the PIV management key is)
  store::AdminKeyMethod admin_key_method = store::AdminKeyMethod::kUnknown;
  bool piv_retries = false;  // PIV-only: the policy's tries differ from the token's
  bool oath = false;
  bool fido_pin = false;
  std::string fido_policy;  // the record's fido_policy
};

struct Plan {
  std::vector<StepId> steps;
  PlanDecisions decisions;
  bool has(StepId id) const;
  std::optional<size_t> index_of(StepId id) const;
};

// The token must be as it leaves the factory in everything the policy changes (default PIN/PUK/management
// key, no XAUTH key, no OATH password, no FIDO PIN when one is to be set); otherwise kRefused naming what
// differs: provisioning never overwrites a secret the store does not hold.
Status check_factory_state(const Policy& policy, const TokenFacts& facts);

// The plan for this token, or kNotSupported / kUsage when the policy cannot be honoured on it (an ACA
// token and no admin_key section, an AES management key on PIV firmware before 5.4, OATH credentials for
// a token without OATH, a FIDO PIN for a token without FIDO).
Result<Plan> build_plan(const Policy& policy, const TokenFacts& facts);

}  // namespace keydesk::provision
