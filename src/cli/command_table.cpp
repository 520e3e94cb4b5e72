#include "cli/command_table.h"

#include "cli/handlers.h"

namespace keydesk::cli {
namespace {

constexpr OptionSpec kOptions[] = {
    // global
    {"token", 't', ArgKind::kValue, "token index as token-info prints it", "INDEX"},
    {"reader", 0, ArgKind::kValue, "PC/SC reader name (case-insensitive substring)", "NAME"},
    {"json", 0, ArgKind::kFlag, "JSON output (docs/cli-json-schema.json)"},
    {"verbose", 'v', ArgKind::kFlag, "trace every APDU and CTAP command, secrets masked"},
    {"timeout", 0, ArgKind::kValue, "seconds one call to the token may take (default 30)", "SECONDS"},
    // per command
    {"pin", 'p', ArgKind::kSecret, "the PIN (FIDO PIN for fido-* commands)"},
    {"new-pin", 'n', ArgKind::kSecret, "the new PIN"},
    {"puk", 0, ArgKind::kSecret, "the PUK"},
    {"current-puk", 0, ArgKind::kSecret, "puk-put on a PIV-only token: the current PUK (the attempt)"},
    {"force", 0, ArgKind::kFlag, "attempt even when few retries are left (never repeats)"},
    {"confirm-cuid", 0, ArgKind::kValue, "the token's CUID, to confirm a destructive command", "CUID"},
    {"symptom", 0, ArgKind::kValue, "windows-logon | vpn | otp | passkey | unknown", "SYMPTOM"},
    {"profile", 0, ArgKind::kValue, "demo: simulated token profile (default case-study)", "PROFILE"},
    {"store", 0, ArgKind::kValue, "record store: sqlite:PATH or postgresql://... (default $KEYDESK_STORE)",
     "URL"},
    {"master-key", 0, ArgKind::kValue, "file:PATH or pkcs11:URI (default: the key the store names)", "KEY"},
    {"new-master-key", 0, ArgKind::kValue, "store rotate-key: rewrap under this key (created if absent)",
     "KEY"},
    {"operator", 0, ArgKind::kValue, "who acts, for the audit trail (default: the login name)", "NAME"},
    {"reason", 0, ArgKind::kValue, "why: a ticket id (required for status changes)", "TICKET"},
    {"user", 0, ArgKind::kValue,
     "record show: a user's name, employee id or e-mail; provision: the token's user", "USER"},
    {"employee-id", 0, ArgKind::kValue, "provision: the user's employee id", "ID"},
    {"email", 0, ArgKind::kValue, "provision: the user's e-mail address", "EMAIL"},
    {"policy", 0, ArgKind::kValue, "provision: the rollout policy file (docs/provisioning.md)", "FILE"},
    {"resume", 0, ArgKind::kFlag, "provision: complete the token's interrupted run"},
    {"rollback", 0, ArgKind::kFlag, "provision: undo the token's interrupted run"},
    {"tokens", 0, ArgKind::kFlag,
     "fleet-report: also read every connected token (read-only) against its record"},
    {"html", 0, ArgKind::kValue, "fleet-report: also write a self-contained HTML report to FILE", "FILE"},
    {"bytes", 0, ArgKind::kValue, "vault generate: the secret's size (16..64, default 32)", "N"},
    {"cuid", 0, ArgKind::kValue, "unblock-response: the CUID of the user's token", "CUID"},
    {"challenge", 0, ArgKind::kValue, "unblock-response: the challenge as read out (else prompted)",
     "DIGITS"},
    {"checksum", 0, ArgKind::kValue, "unblock-response: the challenge's checksum, when not typed after it",
     "NNNN"},
    {"xauth-master", 0, ArgKind::kValue,
     "unblock-response: the master the admin key was diversified from: vault:NAME, file:PATH, env:VAR",
     "SOURCE"},
    {"serial", 0, ArgKind::kValue, "record add: the device serial as the vendor prints it", "SERIAL"},
    {"model", 0, ArgKind::kValue, "record add: the token model", "MODEL"},
    {"so-pin", 0, ArgKind::kSecret, "SmartCard-HSM SO-PIN: 16 hexadecimal digits"},
    {"new-so-pin", 0, ArgKind::kSecret, "hsm-so-pin-change: the new SO-PIN, 16 hexadecimal digits"},
};
constexpr size_t kGlobalOptions = 5;

const CommandSpec kCommands[] = {
    {"token-info",
     Effect::kReadOnly,
     "list connected tokens with their index, reader and ATR",
     {},
     "",
     run_token_info},
    {"token-cuid", Effect::kReadOnly, "the token's CUID (card unique identifier)", {}, "", run_token_cuid},
    {"aca-props-get",
     Effect::kReadOnly,
     "PIN/PUK counters, PUK and XAUTH state, PIN policy",
     {},
     "",
     run_aca_props_get},
    {"pin-verify",
     Effect::kSpendsRetry,
     "try a PIN once; prints the status word and the retries before/after",
     {"pin", "force"},
     "",
     run_pin_verify},
    {"pin-change",
     Effect::kSpendsRetry,
     "change the PIN (the current PIN is one attempt)",
     {"pin", "new-pin", "force"},
     "",
     run_pin_change},
    {"puk-put",
     Effect::kSpendsRetry,
     "set the PUK (ACA: the PIN is the one attempt; PIV-only: needs --current-puk, the attempt)",
     {"pin", "puk", "current-puk", "force"},
     "",
     run_puk_put},
    {"pin-reset-tries",
     Effect::kSpendsRetry,
     "unblock the PIN with the PUK and set a new PIN (one PUK attempt)",
     {"puk", "new-pin", "force"},
     "",
     run_pin_reset_tries},
    // Recovery without data loss (docs/recovery.md).
    {"pin-unblock",
     Effect::kSpendsRetry,
     "unblock the PIN with the PUK on record (released audited, never shown): one PUK attempt",
     {"new-pin", "force", "store", "master-key", "operator", "reason"},
     "",
     run_pin_unblock},
    {"unblock",
     Effect::kSpendsRetry,
     "offline unblock: shows the XAUTH challenge, takes the help desk's response (one XAUTH attempt)",
     {"new-pin", "force"},
     "",
     run_unblock},
    {"unblock-response",
     Effect::kLocal,
     "help desk: the response to a token's challenge, from its admin key on record; audited",
     {"cuid", "challenge", "checksum", "xauth-master", "store", "master-key", "operator", "reason"},
     "",
     run_unblock_response},
    {"otp-props-get",
     Effect::kReadOnly,
     "OATH credentials with counters, periods and access rules",
     {},
     "",
     run_otp_props_get},
    {"fido-props-get",
     Effect::kReadOnly,
     "FIDO getInfo: versions, AAGUID, options, PIN retries, free slots",
     {},
     "",
     run_fido_props_get},
    {"fido-cred-list",
     Effect::kSpendsRetry,
     "list passkeys (needs the FIDO PIN: one attempt)",
     {"pin", "force"},
     "",
     run_fido_cred_list},
    {"fido-pin-change",
     Effect::kSpendsRetry,
     "set the FIDO PIN, or change it (one attempt)",
     {"pin", "new-pin", "force"},
     "",
     run_fido_pin_change},
    {"fido-token-reset",
     Effect::kDestroysData,
     "reset the FIDO applet: wipes every passkey",
     {"confirm-cuid"},
     "",
     run_fido_token_reset},
    {"token-new",
     Effect::kDestroysData,
     "wipe the card applets for reprovisioning",
     {"confirm-cuid"},
     "",
     run_token_new},
    {"token-reset",
     Effect::kDestroysData,
     "wipe the card applets back to factory state",
     {"confirm-cuid"},
     "",
     run_token_reset},
    {"diagnose",
     Effect::kReadOnly,
     "the read-only runbook: findings, evidence, next safe step (with --store: the token's record beside it)",
     {"symptom", "store", "master-key"},
     "",
     run_diagnose,
     true},
    // The SmartCard-HSM (docs/hsm.md).
    {"hsm-status",
     Effect::kReadOnly,
     "SmartCard-HSM: version, options, SO-PIN and user PIN tries, device id (spends nothing)",
     {},
     "",
     run_hsm_status},
    {"hsm-init",
     Effect::kDestroysData,
     "SmartCard-HSM: initialise (sets SO-PIN and user PIN) or re-initialise with the SO-PIN (wipes keys)",
     {"so-pin", "pin", "confirm-cuid", "force", "store", "master-key", "operator", "reason"},
     "",
     run_hsm_init},
    {"hsm-pin-unblock",
     Effect::kSpendsRetry,
     "SmartCard-HSM: new user PIN with the SO-PIN (one SO-PIN attempt; only where enabled)",
     {"so-pin", "new-pin", "force"},
     "",
     run_hsm_pin_unblock},
    {"hsm-so-pin-change",
     Effect::kSpendsRetry,
     "SmartCard-HSM: change the SO-PIN (the current SO-PIN is one attempt)",
     {"so-pin", "new-so-pin", "force"},
     "",
     run_hsm_so_pin_change},
    {"explain",
     Effect::kLocal,
     "what a status word or CTAP code means (63C5, 6983, 0x35, ...)",
     {},
     "CODE...",
     run_explain},
    {"demo",
     Effect::kLocal,
     "diagnose a simulated case-study token (starts pcscd and keydesk-sim as needed)",
     {"profile"},
     "",
     run_demo},
    // The record store (docs/store.md); "store init" is a family ("store") and a command ("init").
    {"store init",
     Effect::kLocal,
     "create the record store, its master key (0600 key file or PKCS#11) and data key",
     {"store", "master-key", "operator"},
     "",
     run_store_init},
    {"store rotate-key",
     Effect::kLocal,
     "rewrap the store's data key under a new master key",
     {"store", "master-key", "new-master-key", "operator", "reason"},
     "",
     run_store_rotate_key},
    {"audit verify",
     Effect::kLocal,
     "check the audit chain, its head and every record against them",
     {"store", "master-key"},
     "",
     run_audit_verify},
    {"record add",
     Effect::kLocal,
     "put a token into stock (status in-stock) under its CUID",
     {"store", "master-key", "operator", "reason", "serial", "model"},
     "CUID",
     run_record_add},
    {"record show",
     Effect::kLocal,
     "a token's record by CUID or --user; secrets only as \"on record\"",
     {"store", "master-key", "user"},
     "[CUID]",
     run_record_show},
    {"record set-status",
     Effect::kLocal,
     "lifecycle: in-stock, active, suspended, lost, decommissioned",
     {"store", "master-key", "operator", "reason"},
     "CUID STATUS",
     run_record_set_status},
    {"record secret",
     Effect::kLocal,
     "print ONE sealed secret of a token (PUK, PIN, key, seed); audited, needs --reason",
     {"store", "master-key", "operator", "reason"},
     "CUID FIELD",
     run_record_secret},
    {"vault generate",
     Effect::kLocal,
     "a random secret in the store's vault (a PUK-derivation or XAUTH master); never replaces one",
     {"store", "master-key", "operator", "reason", "bytes"},
     "NAME",
     run_vault_generate},
    // Provisioning (docs/provisioning.md).
    {"provision",
     Effect::kWritesSecrets,
     "make a factory-state token a user's token as a policy says; --resume / --rollback an interrupted run",
     {"policy", "user", "employee-id", "email", "resume", "rollback", "store", "master-key", "operator"},
     "",
     run_provision},
    {"provision-batch",
     Effect::kWritesSecrets,
     "provision every token in the readers (resumes pending runs, skips provisioned tokens)",
     {"policy", "store", "master-key", "operator"},
     "",
     run_provision_batch},
    {"fleet-report",
     Effect::kReadOnly,
     "the five rollout gaps over the store (--tokens: and the connected tokens); table, --json, --html FILE",
     {"store", "master-key", "tokens", "html"},
     "",
     run_fleet_report},
};

}  // namespace

const CommandSpec* CommandTable::find_command(std::string_view name) const {
  for (const auto& c : commands)
    if (c.name == name) return &c;
  return nullptr;
}

const OptionSpec* CommandTable::find_option(std::string_view long_name) const {
  for (const auto& o : options)
    if (o.long_name == long_name) return &o;
  return nullptr;
}

const OptionSpec* CommandTable::find_short_option(char short_name) const {
  for (const auto& o : options)
    if (o.short_name == short_name) return &o;
  return nullptr;
}

bool CommandTable::is_global_option(std::string_view long_name) const {
  for (size_t i = 0; i < global_options && i < options.size(); ++i)
    if (options[i].long_name == long_name) return true;
  return false;
}

const CommandTable& command_table() {
  static const CommandTable table{kCommands, kOptions, kGlobalOptions};
  return table;
}

std::span<const CommandSpec> commands() {
  return command_table().commands;
}

const CommandSpec* find_command(std::string_view name) {
  return command_table().find_command(name);
}

std::span<const OptionSpec> options() {
  return command_table().options;
}

const OptionSpec* find_option(std::string_view long_name) {
  return command_table().find_option(long_name);
}

const OptionSpec* find_short_option(char short_name) {
  return command_table().find_short_option(short_name);
}

bool is_global_option(std::string_view long_name) {
  return command_table().is_global_option(long_name);
}

}  // namespace keydesk::cli
