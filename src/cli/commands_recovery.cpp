// Recovery without data loss (docs/recovery.md): pin-unblock (the PUK released from the store, one RESET
// RETRY COUNTER), and the offline XAUTH challenge-response - unblock on the user's machine, unblock-response
// at the help desk. Thin: read the options and the codes, call src/recovery, the runbook and the store, fill
// an Output.
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ostream>

#include "cli/context.h"
#include "cli/handlers.h"
#include "cli/store_arguments.h"
#include "protocol/unblock_code.h"
#include "provision/derivation.h"
#include "provision/material.h"
#include "recovery/code_entry.h"
#include "recovery/xauth_unblock.h"
#include "report/documents.h"
#include "report/snapshot_json.h"
#include "runbook/access_control_probe.h"
#include "runbook/pin_operations.h"
#include "runbook/retry_interlock.h"
#include "runbook/unblock_paths.h"
#include "store/record_store.h"

namespace keydesk::cli {
namespace {

namespace code = protocol::unblock_code;
using report::ojson;
using report::or_null;
using runbook::CardSecret;

Result<std::string> required_reason(const Context& ctx, std::string_view why) {
  auto reason = ctx.args().value("reason");
  if (!reason || reason->empty())
    return Error::make(ErrorKind::kUsage, std::string(why) + ": --reason TICKET is required");
  return *reason;
}

void wipe(std::string& s) {
  std::fill(s.begin(), s.end(), '\0');
}

std::string counter(std::optional<int> v) {
  return v ? std::to_string(*v) : "unknown";
}

// The new PIN: read like every other command's (-n value, env:NAME, or prompted), checked against the rule
// every card PIN meets before the token is opened; typed twice when a person types it at a terminal.
Result<std::string> new_pin(Context& ctx) {
  KD_ASSIGN_OR_RETURN(std::string pin, ctx.secret("new-pin", "New PIN"));
  if (Status ok = runbook::check_card_secret(CardSecret::kNewPin, pin); !ok) {
    wipe(pin);
    return ok.error();
  }
  const auto spec = ctx.args().value("new-pin");
  if (ctx.interactive() && (!spec || *spec == "-")) {
    auto again = ctx.secret("new-pin", "New PIN again");
    const bool same = again && *again == pin;
    if (again) wipe(*again);
    if (!same) {
      wipe(pin);
      return Error::make(ErrorKind::kUsage, "the two new PINs differ: nothing was sent to the token");
    }
  }
  return pin;
}

// A record the help desk may act on: a lost, suspended or retired token is never unblocked for whoever holds
// it (a suspended one is reinstated first).
Result<store::TokenRecord> usable_record(store::RecordStore& s, const iso7816::Cuid& cuid) {
  auto record = s.get_record(cuid);
  if (!record) {
    if (record.error().kind == ErrorKind::kNotFound)
      return Error::make(ErrorKind::kNotFound,
                         "no record for CUID " + cuid.hex() + ": nothing about this token is on record");
    return record.error();
  }
  if (record->status == store::LifecycleStatus::kLost ||
      record->status == store::LifecycleStatus::kSuspended ||
      record->status == store::LifecycleStatus::kDecommissioned)
    return Error::make(
        ErrorKind::kRefused,
        "the record of CUID " + cuid.hex() + " says " + store::status_name(record->status) +
            ": its PIN is not unblocked (docs/store.md, Lifecycle; a suspended token is reinstated first)");
  return record;
}

bool on_record(const store::TokenRecord& r, const store::SecretField& field) {
  return std::find(r.secrets_on_record.begin(), r.secrets_on_record.end(), field.name()) !=
         r.secrets_on_record.end();
}

std::string text_of(const SecureBytes& b) {
  return std::string(b.begin(), b.end());
}

}  // namespace

// --- pin-unblock ----------------------------------------------------------------------------------------

Result<CommandResult> run_pin_unblock(Context& ctx) {
  KD_ASSIGN_OR_RETURN(const std::string reason,
                      required_reason(ctx, "pin-unblock releases the token's PUK from the record store"));
  KD_ASSIGN_OR_RETURN(std::string pin, new_pin(ctx));
  struct Wipe {
    std::string& s;
    ~Wipe() { wipe(s); }
  } wipe_pin{pin};
  const bool force = ctx.args().has("force");
  KD_ASSIGN_OR_RETURN(auto store, store::open_store(store_options(ctx)));
  const store::Actor who = actor(ctx);
  KD_ASSIGN_OR_RETURN(host::ApduConnection * c, ctx.connection());
  KD_ASSIGN_OR_RETURN(const iso7816::Cuid cuid, recovery::token_record_cuid(*c));
  KD_ASSIGN_OR_RETURN(const store::TokenRecord record, usable_record(*store, cuid));
  if (!on_record(record, store::SecretField::puk()))
    return Error::make(ErrorKind::kRefused, "no PUK on record for CUID " + cuid.hex() + " (PUK method " +
                                                store::puk_method_name(record.puk_method) +
                                                "): the offline XAUTH unblock (keydesk unblock) may remain");

  // Everything that would refuse the attempt is checked before the PUK leaves the store, spending nothing.
  KD_ASSIGN_OR_RETURN(const runbook::AccessControl access, runbook::read_access_control(*c));
  if (access.puk_initialized == false)
    return Error::make(ErrorKind::kRefused,
                       "the token has no PUK set, though the record has one: nothing to try");
  KD_TRY(runbook::check_pin_format(
      "new PIN", pin,
      runbook::PinRule{access.min_pin_length.value_or(6), access.max_pin_length.value_or(8), false}));
  KD_TRY(runbook::check_attempt("PUK", access.puk_remaining,
                                runbook::unblock_paths(access).xauth.state == runbook::PathState::kAvailable,
                                force));

  KD_ASSIGN_OR_RETURN(SecureBytes puk_bytes,
                      store->read_secret(cuid, store::SecretField::puk(), who, reason));
  std::string puk = text_of(puk_bytes);
  auto attempt = runbook::unblock_pin(*c, puk, pin, force);
  wipe(puk);
  if (!attempt) return attempt.error();

  // Force-change where the record's PIN policy has the holder change a PIN at first use. The ACA sets it
  // with XAUTH (docs/aca-protocol.md 5); PIV has no such flag.
  std::string force_change = "not-required";
  std::string force_change_note;
  if (attempt->outcome == runbook::AttemptOutcome::kOk &&
      record.pin_method == store::PinMethod::kDefaultForceChange) {
    if (attempt->source != "ACA") {
      force_change = "not-supported";
      force_change_note = "the record asks for force-change, which a PIV-only token does not have";
    } else if (!on_record(record, store::SecretField::admin_key())) {
      force_change = "failed";
      force_change_note = "force-change not set: no admin key on record to authorise it";
    } else {
      auto key = store->read_secret(cuid, store::SecretField::admin_key(), who, reason);
      Status set = key ? recovery::set_force_pin_change(*c, *key) : Status(key.error());
      force_change = set ? "set" : "failed";
      if (!set) force_change_note = "force-change not set: " + describe(set.error());
    }
  }

  const auto meaning = explain_status_word(attempt->status_word);
  KD_TRY(store->record_event(cuid, "recovery.pin-unblock",
                             {{"outcome", runbook::attempt_outcome_name(attempt->outcome)},
                              {"status_word", meaning ? meaning->name : std::to_string(attempt->status_word)},
                              {"source", attempt->source},
                              {"puk_tries_before", counter(attempt->before)},
                              {"puk_tries_after", counter(attempt->after)},
                              {"force_change", force_change}},
                             who, reason));

  CommandResult result;
  result.output.json = report::attempt_json(*attempt);
  auto& j = result.output.json;
  j["CUID"] = cuid.hex();
  j["PukReleased"] = true;
  j["Operator"] = who.operator_name;
  j["Reason"] = reason;
  j["ForcePinChange"] = force_change;
  result.output.notes.push_back("Token " + cuid.hex() + ": the PUK was released from the store (audited, " +
                                reason + ", by " + who.operator_name + ") and used once; it was not shown");
  result.output.notes.push_back(j["StatusWord"].get<std::string>() + ": " + j["Meaning"].get<std::string>());
  result.output.notes.push_back("PUK retries: " + counter(attempt->before) + " before, " +
                                counter(attempt->after) + " after (of " + counter(attempt->max) + ")");
  if (attempt->outcome == runbook::AttemptOutcome::kOk)
    result.output.notes.push_back(
        "The PIN is unblocked with the new PIN; certificates, OATH credentials and "
        "passkeys are untouched");
  if (!force_change_note.empty())
    result.output.notes.push_back(force_change_note);
  else if (force_change == "set")
    result.output.notes.push_back("Force-change is set: the holder must change the PIN before using it");
  if (!attempt->next_step.empty()) result.output.notes.push_back("next: " + attempt->next_step);
  result.outcome = report::outcome_of(attempt->outcome);
  return result;
}

// --- unblock (the user's side) ----------------------------------------------------------------------------

Result<CommandResult> run_unblock(Context& ctx) {
  KD_ASSIGN_OR_RETURN(std::string pin, new_pin(ctx));
  struct Wipe {
    std::string& s;
    ~Wipe() { wipe(s); }
  } wipe_pin{pin};
  KD_ASSIGN_OR_RETURN(host::ApduConnection * c, ctx.connection());
  KD_ASSIGN_OR_RETURN(const iso7816::Cuid cuid, recovery::token_record_cuid(*c));
  KD_ASSIGN_OR_RETURN(const recovery::XauthChallenge pending,
                      recovery::begin_xauth_unblock(*c, pin, ctx.args().has("force")));
  const code::Code challenge = code::encode(code::Kind::kChallenge, pending.challenge);
  const size_t block = pending.challenge.size();

  // The conversation with the help desk happens while this card session stays open: nothing else is sent
  // to the token until the response is typed correctly.
  std::ostream& talk = ctx.diagnostics();
  talk << "Token CUID " << cuid.hex() << ". Read this challenge to the help desk:\n\n    " << challenge.digits
       << "    checksum " << challenge.checksum << "\n\n"
       << "Keep the token inserted until the PIN is unblocked: the challenge dies with this card session.\n";
  if (pending.replayable)
    talk << "WARNING: this token's XAUTH challenge is static (the same every time): a response once read "
            "out unblocks it again whenever replayed.\n";
  talk << std::flush;

  Bytes response;
  int rejected = 0;
  for (;;) {
    auto typed = ctx.line("Response from the help desk (" + std::to_string(code::digit_count(block)) +
                          " digits, then the checksum)");
    if (!typed)
      return Error::make(ErrorKind::kUsage,
                         rejected ? "no valid response was entered; nothing was sent to the token and the "
                                    "challenge is abandoned"
                                  : "no response was entered; nothing was sent to the token and the "
                                    "challenge is abandoned");
    std::string checksum;
    if (recovery::needs_separate_checksum(*typed, block)) {
      auto typed_checksum = ctx.line("Its checksum (4 digits)");
      if (!typed_checksum)
        return Error::make(ErrorKind::kUsage,
                           "the response's checksum was not entered; nothing was sent to the token");
      checksum = *typed_checksum;
      if (checksum.find_first_of("0123456789") == std::string::npos) checksum = "-";  // empty: not "inside"
    }
    auto decoded = recovery::read_typed_code(code::Kind::kResponse, *typed, checksum, block);
    if (decoded) {
      response = std::move(*decoded);
      break;
    }
    ++rejected;
    talk << "Response not accepted: " << describe(decoded.error())
         << ". Nothing was sent to the token; type it again.\n"
         << std::flush;
  }

  KD_ASSIGN_OR_RETURN(const recovery::XauthUnblockReport r,
                      recovery::finish_xauth_unblock(*c, pending, response, pin));
  const auto meaning = explain_status_word(r.status_word);
  CommandResult result;
  auto& j = result.output.json;
  j["CUID"] = cuid.hex();
  j["Challenge"] = {{"Code", challenge.digits}, {"Checksum", challenge.checksum}};
  j["Algorithm"] = provision::cipher_name(pending.cipher);
  j["Replayable"] = pending.replayable;
  j["ResponsesRejected"] = rejected;
  j["StatusWord"] = meaning ? meaning->name : std::to_string(r.status_word);
  j["Meaning"] = meaning ? meaning->meaning : "unknown status word";
  j["Outcome"] = runbook::attempt_outcome_name(r.outcome);
  j["PinUnblocked"] = r.pin_unblocked;
  j["XauthTriesBefore"] = or_null(r.xauth_before);
  j["XauthTriesAfter"] = or_null(r.xauth_after);
  j["XauthMaxTries"] = or_null(r.xauth_max);
  j["PinTriesBefore"] = or_null(r.pin_before);
  j["PinTriesAfter"] = or_null(r.pin_after);
  j["PinMaxTries"] = or_null(r.pin_max);
  j["XauthEnded"] = r.xauth_ended;
  j["NextStep"] = r.next_step.empty() ? ojson(nullptr) : ojson(r.next_step);
  j["Warnings"] = ojson::array();
  if (pending.replayable)
    j["Warnings"].push_back(
        "static XAUTH challenge: a response once read out unblocks this token again "
        "whenever replayed");
  auto& notes = result.output.notes;
  notes.push_back(j["StatusWord"].get<std::string>() + ": " + j["Meaning"].get<std::string>());
  notes.push_back("XAUTH tries: " + counter(r.xauth_before) + " before, " + counter(r.xauth_after) +
                  " after (of " + counter(r.xauth_max) + ")");
  if (r.pin_unblocked)
    notes.push_back("The PIN is unblocked with the new PIN (PIN tries " + counter(r.pin_after) + " of " +
                    counter(r.pin_max) + "); certificates, OATH credentials and passkeys are untouched");
  else
    notes.push_back("The response was wrong: the PIN was not unblocked");
  if (!r.next_step.empty()) notes.push_back("next: " + r.next_step);
  for (const auto& w : j["Warnings"]) notes.push_back("WARNING: " + w.get<std::string>());
  result.outcome = report::outcome_of(r.outcome);
  return result;
}

// --- unblock-response (the help desk's side) --------------------------------------------------------------

namespace {

Result<provision::SecretSource> parse_source(std::string_view spec) {
  const auto colon = spec.find(':');
  const std::string_view kind = spec.substr(0, colon == std::string_view::npos ? 0 : colon);
  const std::string name(colon == std::string_view::npos ? "" : spec.substr(colon + 1));
  if (!name.empty()) {
    if (kind == "vault") return provision::SecretSource{provision::SecretSource::Kind::kVault, name};
    if (kind == "file") return provision::SecretSource{provision::SecretSource::Kind::kFile, name};
    if (kind == "env") return provision::SecretSource{provision::SecretSource::Kind::kEnv, name};
  }
  return Error::make(ErrorKind::kUsage, "--xauth-master takes vault:NAME, file:PATH or env:VARIABLE");
}

}  // namespace

Result<CommandResult> run_unblock_response(Context& ctx) {
  // The challenge as read out, its checksum checked before anything else is opened.
  const auto cuid_text = ctx.args().value("cuid");
  if (!cuid_text) return Error::make(ErrorKind::kUsage, "--cuid CUID is required: the token's record key");
  const auto cuid = iso7816::Cuid::parse(*cuid_text);
  if (!cuid) return Error::make(ErrorKind::kUsage, "--cuid: a CUID is 20 hex digits");
  std::string typed;
  if (auto given = ctx.args().value("challenge")) {
    typed = *given;
  } else {
    auto line = ctx.line("Challenge as the user reads it (digits, then the checksum)");
    if (!line) return Error::make(ErrorKind::kUsage, "no challenge was entered");
    typed = *line;
  }
  const std::string checksum = ctx.args().value("checksum").value_or("");
  KD_ASSIGN_OR_RETURN(const Bytes challenge,
                      recovery::read_typed_code(code::Kind::kChallenge, typed, checksum, std::nullopt));
  std::optional<provision::SecretSource> master_source;
  if (auto spec = ctx.args().value("xauth-master")) {
    KD_ASSIGN_OR_RETURN(master_source, parse_source(*spec));
  }
  KD_ASSIGN_OR_RETURN(const std::string reason,
                      required_reason(ctx, "unblock-response uses the token's admin key"));

  KD_ASSIGN_OR_RETURN(auto store, store::open_store(store_options(ctx)));
  const store::Actor who = actor(ctx);
  KD_ASSIGN_OR_RETURN(const store::TokenRecord record, usable_record(*store, *cuid));

  // The candidates: the key diversified from the master by CUID (as provisioned: docs/provisioning.md), or
  // the key sealed on record; the record's key check value picks the one that is this token's.
  std::vector<recovery::AdminKey> candidates;
  std::string key_source;
  const auto ciphers = recovery::ciphers_for_block(challenge.size());
  if (master_source) {
    if (record.admin_key_method != store::AdminKeyMethod::kDerived)
      return Error::make(ErrorKind::kRefused,
                         std::string("the record says the admin key is ") +
                             store::admin_key_method_name(record.admin_key_method) +
                             ", not derived: leave out --xauth-master to use the key on record");
    provision::SecretResolver resolver(*store, who, reason);
    KD_ASSIGN_OR_RETURN(
        const SecureBytes master,
        resolver.read(*master_source, provision::SecretResolver::Use::kKey, "--xauth-master"));
    for (auto cipher : ciphers) {
      auto key = provision::diversify_admin_key(master, *cuid, cipher);
      if (key) candidates.push_back({cipher, std::move(*key)});
    }
    key_source = "derived";
  } else if (on_record(record, store::SecretField::admin_key())) {
    KD_ASSIGN_OR_RETURN(const SecureBytes key,
                        store->read_secret(*cuid, store::SecretField::admin_key(), who, reason));
    for (auto cipher : ciphers)
      if (crypto::key_size(cipher) == key.size()) candidates.push_back({cipher, key});
    key_source = "on-record";
  } else {
    return Error::make(ErrorKind::kRefused,
                       "no admin key on record for CUID " + cuid->hex() +
                           (record.admin_key_method == store::AdminKeyMethod::kDerived
                                ? ": it was derived; give the master with --xauth-master vault:NAME"
                                : ""));
  }
  KD_ASSIGN_OR_RETURN(
      const recovery::AdminKey key,
      recovery::choose_admin_key(std::move(candidates), challenge.size(), record.admin_key_check));
  KD_ASSIGN_OR_RETURN(const Bytes cryptogram, recovery::xauth_response(key, challenge));

  // The same challenge answered before for this token: its challenge type is Static.
  const std::string challenge_hex = to_hex(challenge, true);
  bool seen_before = false;
  if (auto trail = store->audit_trail(cuid->hex(), 10000); trail)
    for (const auto& e : *trail)
      if (e.action == "recovery.xauth-response" &&
          e.details.find("\"challenge\":\"" + challenge_hex + "\"") != std::string::npos)
        seen_before = true;
  KD_TRY(store->record_event(*cuid, "recovery.xauth-response",
                             {{"challenge", challenge_hex},
                              {"algorithm", provision::cipher_name(key.cipher)},
                              {"key_source", key_source},
                              {"key_check", record.admin_key_check}},
                             who, reason));

  const code::Code response = code::encode(code::Kind::kResponse, cryptogram);
  CommandResult result;
  auto& j = result.output.json;
  j["CUID"] = cuid->hex();
  j["Algorithm"] = provision::cipher_name(key.cipher);
  j["KeySource"] = key_source;
  j["KeyCheckValue"] = record.admin_key_check;
  j["Response"] = {{"Code", response.digits}, {"Checksum", response.checksum}};
  j["Replayable"] = seen_before;
  j["Warnings"] = ojson::array();
  if (seen_before)
    j["Warnings"].push_back(
        "this token gave the same challenge before: its XAUTH challenge is static, so "
        "this response unblocks it again whenever replayed");
  Table t{"Response for token " + cuid->hex(), {"Property", "Value"}, {}};
  t.rows = {{"Read out", response.digits},
            {"Checksum", response.checksum},
            {"Admin key", std::string(provision::cipher_name(key.cipher)) + ", " + key_source + ", KCV " +
                              record.admin_key_check}};
  result.output.tables.push_back(std::move(t));
  result.output.notes.push_back("Recorded in the audit trail (" + reason + ", by " + who.operator_name + ")");
  for (const auto& w : j["Warnings"]) result.output.notes.push_back("WARNING: " + w.get<std::string>());
  return result;
}

}  // namespace keydesk::cli
