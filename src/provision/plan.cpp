#include "provision/plan.h"

#include <algorithm>

namespace keydesk::provision {

const char* step_effect_name(StepEffect e) {
  switch (e) {
    case StepEffect::kLocal:
      return "local";
    case StepEffect::kReadOnly:
      return "read-only";
    case StepEffect::kWritesSecrets:
      return "writes-secrets";
  }
  return "?";
}

const std::vector<StepSpec>& all_steps() {
  using E = StepEffect;
  using R = Reversal;
  static const std::vector<StepSpec> kSteps = {
      {StepId::kRecord, "record", E::kLocal,
       "every secret of the plan: puk, initial-pin (random PIN), admin-key, piv-management-key, fido-pin, "
       "oath-seed/NAME",
       "nothing (the record: provisioning pending, the methods, the user, the OATH credentials)", "-",
       "provisioning back to none; the secrets stay sealed", R::kNothing, true, false},
      {StepId::kPivRetries, "piv-retries", E::kWritesSecrets, "-",
       "SET PIN RETRIES (Yubico INS FA) after the default management key and the transport PIN; the token "
       "resets PIN and PUK to 123456 / 12345678, so it runs before either is changed",
       "GET METADATA 80 and 81: the maximum tries", "SET PIN RETRIES 3 3 (the factory tries)", R::kReverts,
       false, true},
      {StepId::kAcaXauthKey, "aca-xauth-key", E::kWritesSecrets, "admin-key (diversified from the master)",
       "PUT XAUTH KEY (allowed without authentication only while the ACA has no key), then GET CHALLENGE + "
       "EXTERNAL AUTHENTICATE with it",
       "GET PROPERTIES: XAUTH key initialised with the policy's algorithm; the authentication proves the "
       "value",
       "kept: an installed XAUTH key can only be replaced, never removed; it stays on record", R::kKept,
       false, true},
      {StepId::kAcaProperties, "aca-properties", E::kWritesSecrets, "-",
       "SET PROPERTIES (XAUTH): PIN length rule, PIN, PUK and XAUTH maximum tries, challenge type",
       "GET PROPERTIES: each value as the policy says", "kept: policy values, no secret", R::kKept, true,
       true},
      {StepId::kAcaPuk, "aca-puk", E::kWritesSecrets, "puk", "PUT PUK (XAUTH)",
       "GET PROPERTIES: PUK initialised, its tries at the maximum",
       "kept: a PUK can only be replaced, never removed; it stays on record", R::kKept, true, true},
      {StepId::kAcaPin, "aca-pin", E::kWritesSecrets, "initial-pin (random-delivered)",
       "random-delivered: UNBLOCK PIN (XAUTH) with the recorded PIN; default-force-change: SET PROPERTIES "
       "ForcePinChange = 1",
       "GET PROPERTIES: PIN no longer the provisioning value (random) or ForcePinChange set, tries at the "
       "maximum",
       "random: UNBLOCK PIN (XAUTH) back to the transport PIN; force-change: cleared", R::kReverts, true,
       true},
      {StepId::kPivManagementKey, "piv-management-key", E::kWritesSecrets,
       "admin-key (PIV-only tokens) or piv-management-key",
       "GENERAL AUTHENTICATE with the default management key, then SET MANAGEMENT KEY (Yubico INS FF)",
       "mutual authentication with the recorded key (a management key has no retry counter)",
       "SET MANAGEMENT KEY back to the default", R::kReverts, false, true},
      {StepId::kPivPuk, "piv-puk", E::kWritesSecrets, "puk",
       "CHANGE REFERENCE DATA 81: the default PUK 12345678 to the recorded PUK",
       "GET METADATA 81: no longer the default value", "CHANGE REFERENCE DATA 81 back to 12345678",
       R::kReverts, false, true},
      {StepId::kPivPin, "piv-pin", E::kWritesSecrets, "initial-pin",
       "CHANGE REFERENCE DATA 80: the transport PIN to the recorded random PIN",
       "GET METADATA 80: no longer the default value", "CHANGE REFERENCE DATA 80 back to the transport PIN",
       R::kReverts, false, true},
      {StepId::kOathCredentials, "oath-credentials", E::kWritesSecrets, "oath-seed/NAME for each credential",
       "YKOATH PUT of each credential (HOTP with its initial moving factor); PUT overwrites a credential of "
       "the same name",
       "LIST: every name with its type and hash; a TOTP credential's code equals the one computed from the "
       "recorded seed",
       "YKOATH DELETE of each credential", R::kReverts, true, true},
      {StepId::kFidoPin, "fido-pin", E::kWritesSecrets, "fido-pin",
       "clientPIN setPIN (the authenticator has no PIN)", "getInfo: clientPin true",
       "kept: a FIDO PIN can only be removed by authenticatorReset; it stays on record", R::kKept, false,
       true},
      {StepId::kOathExport, "oath-export", E::kLocal, "-",
       "nothing on the token: <directory>/<CUID>.pskc for the validation server, from the seeds and counters "
       "on "
       "record, encrypted with the policy's key or passphrase",
       "-", "the file is removed", R::kNothing, true, false},
      {StepId::kConfirm, "confirm", E::kReadOnly, "-",
       "nothing on the token: reads every step back; the record becomes provisioning confirmed, status "
       "active",
       "every step's read-back again, in one card session", "-", R::kNothing, true, false},
  };
  return kSteps;
}

const StepSpec& step_spec(StepId id) {
  for (const auto& s : all_steps())
    if (s.id == id) return s;
  return all_steps().front();
}

std::optional<StepId> parse_step_name(std::string_view name) {
  for (const auto& s : all_steps())
    if (s.name == name) return s.id;
  return std::nullopt;
}

bool Plan::has(StepId id) const {
  return std::find(steps.begin(), steps.end(), id) != steps.end();
}

std::optional<size_t> Plan::index_of(StepId id) const {
  auto it = std::find(steps.begin(), steps.end(), id);
  if (it == steps.end()) return std::nullopt;
  return static_cast<size_t>(it - steps.begin());
}

namespace {
Error not_factory(const std::string& what) {
  return Error::make(ErrorKind::kRefused,
                     "the token is not in its factory state: " + what +
                         "; provisioning never overwrites a secret the store does not hold (reset the token "
                         "first, or resume its pending provisioning)");
}

bool version_at_least(const std::array<uint8_t, 3>& v, int major, int minor) {
  return v[0] > major || (v[0] == major && v[1] >= minor);
}
}  // namespace

Status check_factory_state(const Policy& policy, const TokenFacts& facts) {
  if (facts.aca) {
    const AcaFacts& a = *facts.aca;
    if (a.xauth_initialized) return not_factory("the ACA already has an XAUTH admin key");
    if (a.puk_initialized) return not_factory("the ACA already has a PUK");
    if (!a.pin_is_initial) return not_factory("the PIN is no longer its provisioning value");
  }
  if (facts.piv) {
    const PivFacts& p = *facts.piv;
    if (p.management_key_default == false) return not_factory("the PIV management key is not the default");
    if (!facts.aca) {
      // PIV-only: the steps start from the defaults, which only GET METADATA can confirm without spending.
      if (!p.metadata)
        return Error::make(ErrorKind::kNotSupported,
                           "this PIV token cannot report whether its PIN and PUK are the defaults (no GET "
                           "METADATA): keydesk provisions it only where it can check without spending a try");
      if (p.pin_default == false) return not_factory("the PIV PIN is not the transport PIN");
      if (p.puk_initialized != false && p.puk_default == false)
        return not_factory("the PIV PUK is not the default");
    }
  }
  if (facts.oath && facts.oath->password && (!policy.oath.generate.empty() || policy.oath.import))
    return not_factory("the OATH application has a password");
  if (facts.fido && policy.fido.scope == FidoScope::kPinRule && policy.fido.set_pin && facts.fido->pin_set)
    return not_factory("the FIDO authenticator already has a PIN");
  return {};
}

Result<Plan> build_plan(const Policy& policy, const TokenFacts& facts) {
  Plan plan;
  PlanDecisions& d = plan.decisions;
  if (!facts.piv && !facts.aca)
    return Error::make(ErrorKind::kNotSupported, "the token has neither PIV nor the access-control applet");
  if (!facts.piv)
    return Error::make(ErrorKind::kNotSupported,
                       "the token has no PIV applet: its management key cannot be set");
  const bool aca = facts.aca.has_value();
  if (aca && !policy.admin_key)
    return Error::make(
        ErrorKind::kUsage,
        "the token has the access-control applet, and the policy has no admin_key section for its "
        "XAUTH key");
  if (policy.piv_management_key.algorithm != crypto::BlockCipher::kTdes &&
      !version_at_least(facts.version, 5, 4))
    return Error::make(ErrorKind::kNotSupported,
                       "an AES management key needs PIV firmware 5.4 or later; the token reports " +
                           std::to_string(facts.version[0]) + "." + std::to_string(facts.version[1]) + "." +
                           std::to_string(facts.version[2]));

  d.xauth = aca;
  d.admin_key_method = aca ? store::AdminKeyMethod::kDerived : store::AdminKeyMethod::kRandomPerToken;
  switch (policy.puk.strategy) {
    case PukStrategy::kRandomPerToken:
      d.puk_method = store::PukMethod::kRandomPerToken;
      break;
    case PukStrategy::kDerived:
      d.puk_method = store::PukMethod::kDerived;
      break;
    case PukStrategy::kBatchShared:
      d.puk_method = store::PukMethod::kBatchShared;
      break;
  }
  if (policy.pin.method == PinMethod::kRandomDelivered) {
    d.random_pin = true;
    d.pin_method = store::PinMethod::kRandomDelivered;
  } else if (aca) {
    d.force_pin_change = true;
    d.pin_method = store::PinMethod::kDefaultForceChange;
  } else if (policy.pin.without_force_change == NoForceChangeFallback::kRandomDelivered) {
    d.random_pin = true;
    d.pin_method = store::PinMethod::kRandomDelivered;
    d.pin_note = "no force-change on a PIV-only token: a random PIN for delivery instead, as the policy says";
  } else {
    d.pin_method = store::PinMethod::kDefaultNoForceChange;
    d.pin_note =
        "no force-change on a PIV-only token: the transport PIN stays, and nothing makes its holder change "
        "it";
  }
  if (!aca && facts.piv)
    d.piv_retries =
        facts.piv->pin_tries != policy.pin.max_tries || facts.piv->puk_tries != policy.puk.max_tries;

  const bool wants_oath = !policy.oath.generate.empty() || policy.oath.import.has_value();
  if (wants_oath && !facts.oath)
    return Error::make(ErrorKind::kNotSupported,
                       "the policy has OATH credentials and the token has no OATH applet");
  d.oath = wants_oath;

  d.fido_policy = policy.fido.rule;
  if (policy.fido.scope == FidoScope::kPinRule && policy.fido.set_pin) {
    if (!facts.fido || !facts.fido->reachable)
      return Error::make(ErrorKind::kNotSupported,
                         "the policy sets a FIDO PIN and the token's FIDO interface "
                         "cannot be reached");
    d.fido_pin = true;
  }

  plan.steps.push_back(StepId::kRecord);
  if (d.piv_retries) plan.steps.push_back(StepId::kPivRetries);
  if (aca) {
    plan.steps.push_back(StepId::kAcaXauthKey);
    plan.steps.push_back(StepId::kAcaProperties);
    plan.steps.push_back(StepId::kAcaPuk);
    plan.steps.push_back(StepId::kAcaPin);
  }
  plan.steps.push_back(StepId::kPivManagementKey);
  if (!aca) {
    plan.steps.push_back(StepId::kPivPuk);
    if (d.random_pin) plan.steps.push_back(StepId::kPivPin);
  }
  if (d.oath) plan.steps.push_back(StepId::kOathCredentials);
  if (d.fido_pin) plan.steps.push_back(StepId::kFidoPin);
  if (d.oath && policy.oath.export_to) plan.steps.push_back(StepId::kOathExport);
  plan.steps.push_back(StepId::kConfirm);
  return plan;
}

}  // namespace keydesk::provision
