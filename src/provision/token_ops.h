// What each step does on the token (plan.h's StepSpec in code): run it, observe whether it took effect
// without spending a try, undo it. Every function selects the applet it needs, so a step can follow any
// other and a resumed run can start at any step.
#pragma once

#include <ctime>

#include "provision/material.h"
#include "provision/plan.h"
#include "provision/resume.h"
#include "provision/token_link.h"

namespace keydesk::provision {

// Reads what build_plan() and check_factory_state() need: CUID (CPLC, else the PIV serial mapped by
// store::cuid_from_device_serial), serial, version, ACA properties, PIV metadata, OATH names, and — only
// when `with_fido` — the FIDO authenticator's clientPin option. Spends nothing, changes nothing.
Result<TokenFacts> read_facts(TokenLink& link, bool with_fido);

struct StepContext {
  TokenLink& link;
  const Policy& policy;
  const Plan& plan;
  const TokenFacts& facts;
  const Material& material;
  std::time_t now = 0;  // for the TOTP read-back
};

// Sets what a token step (kWritesSecrets) sets. A wrong status word is an error; the journal says the step
// began, so a resume looks again.
Status apply_token_step(StepId step, StepContext& ctx);
// Reads the step back without spending a try: kIntegrity when the token does not show what was set,
// kRefused when it refuses a recorded key.
Status verify_token_step(StepId step, StepContext& ctx);
// Whether the step's effect is on the token.
Result<Observation> observe_token_step(StepId step, StepContext& ctx);
// Puts the factory value back (steps whose Reversal is kReverts).
Status undo_token_step(StepId step, StepContext& ctx);

}  // namespace keydesk::provision
