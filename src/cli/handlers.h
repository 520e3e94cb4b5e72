// The command handlers the command table points to; each parses nothing itself beyond its options, calls
// the runbook, and fills an Output.
#pragma once

#include "cli/command_table.h"

namespace keydesk::cli {

Result<CommandResult> run_explain(Context& ctx);
Result<CommandResult> run_demo(Context& ctx);
Result<CommandResult> run_token_info(Context& ctx);
Result<CommandResult> run_token_cuid(Context& ctx);
Result<CommandResult> run_aca_props_get(Context& ctx);
Result<CommandResult> run_pin_verify(Context& ctx);
Result<CommandResult> run_pin_change(Context& ctx);
Result<CommandResult> run_puk_put(Context& ctx);
Result<CommandResult> run_pin_reset_tries(Context& ctx);
// Recovery (commands_recovery.cpp).
Result<CommandResult> run_pin_unblock(Context& ctx);
Result<CommandResult> run_unblock(Context& ctx);
Result<CommandResult> run_unblock_response(Context& ctx);
Result<CommandResult> run_otp_props_get(Context& ctx);
Result<CommandResult> run_fido_props_get(Context& ctx);
Result<CommandResult> run_fido_cred_list(Context& ctx);
Result<CommandResult> run_fido_pin_change(Context& ctx);
Result<CommandResult> run_fido_token_reset(Context& ctx);
Result<CommandResult> run_token_new(Context& ctx);
Result<CommandResult> run_token_reset(Context& ctx);
Result<CommandResult> run_diagnose(Context& ctx);
// The SmartCard-HSM (commands_hsm.cpp).
Result<CommandResult> run_hsm_status(Context& ctx);
Result<CommandResult> run_hsm_init(Context& ctx);
Result<CommandResult> run_hsm_pin_unblock(Context& ctx);
Result<CommandResult> run_hsm_so_pin_change(Context& ctx);
// The record store (commands_store.cpp).
Result<CommandResult> run_store_init(Context& ctx);
Result<CommandResult> run_store_rotate_key(Context& ctx);
Result<CommandResult> run_audit_verify(Context& ctx);
Result<CommandResult> run_record_add(Context& ctx);
Result<CommandResult> run_record_show(Context& ctx);
Result<CommandResult> run_record_set_status(Context& ctx);
Result<CommandResult> run_record_secret(Context& ctx);
Result<CommandResult> run_vault_generate(Context& ctx);
// Provisioning (commands_provision.cpp).
Result<CommandResult> run_provision(Context& ctx);
Result<CommandResult> run_provision_batch(Context& ctx);
Result<CommandResult> run_fleet_report(Context& ctx);

}  // namespace keydesk::cli
