#include "recovery/xauth_unblock.h"

#include <algorithm>

#include "host/aca/aca_session.h"
#include "host/piv/piv_session.h"
#include "iso7816/cplc.h"
#include "protocol/aca.h"
#include "runbook/retry_interlock.h"
#include "store/record.h"

namespace keydesk::recovery {
namespace {

using host::aca::AcaProperties;
using host::aca::AcaSession;
using host::aca::XauthChallengeType;

Result<AcaProperties> select_and_read(AcaSession& session) {
  if (auto s = session.select(); !s) {
    if (s.error().kind == ErrorKind::kNotSupported)
      return Error::make(ErrorKind::kRefused,
                         "this token has no access-control applet, so no XAUTH challenge-response: unblock "
                         "its PIN with the recorded PUK (keydesk pin-unblock)");
    return s.error();
  }
  return session.properties();
}

runbook::AttemptOutcome outcome_of(host::VerifyResult::Kind k) {
  using K = host::VerifyResult::Kind;
  switch (k) {
    case K::kOk:
      return runbook::AttemptOutcome::kOk;
    case K::kWrong:
      return runbook::AttemptOutcome::kWrong;
    case K::kBlocked:
      return runbook::AttemptOutcome::kBlocked;
    case K::kNotInitialized:
      return runbook::AttemptOutcome::kNotInitialized;
    case K::kRejected:
      return runbook::AttemptOutcome::kRejected;
  }
  return runbook::AttemptOutcome::kRejected;
}

// A removal or reset between the two halves, said as what it means for the exchange.
Error session_gone(const Error& e) {
  if (e.kind != ErrorKind::kTokenRemoved && e.kind != ErrorKind::kTokenReset) return e;
  return Error::make(e.kind,
                     "the token was removed or reset after the challenge was read: the challenge died with "
                     "its card session, so this response can no longer be used. Nothing was spent; insert "
                     "the token and start again with a new challenge",
                     e.code);
}

// GET CHALLENGE ends an XAUTH authentication (docs/aca-protocol.md 3.5): the help desk's authority is not
// left on the token for another program to use. The pending challenge it leaves needs the key anyway.
bool end_xauth(AcaSession& session) {
  return session.xauth_challenge().ok();
}

}  // namespace

std::vector<crypto::BlockCipher> ciphers_for_block(size_t block_length) {
  using crypto::BlockCipher;
  if (block_length == 8) return {BlockCipher::kTdes};
  if (block_length == 16) return {BlockCipher::kAes128, BlockCipher::kAes192, BlockCipher::kAes256};
  return {};
}

Result<iso7816::Cuid> token_record_cuid(host::ApduConnection& c) {
  auto cplc = c.send(iso7816::CommandApdu::make(0x80, 0xCA, 0x9F, 0x7F, {}, 256));
  if (!cplc) return cplc.error();
  if (cplc->sw.ok()) {
    KD_ASSIGN_OR_RETURN(iso7816::Cplc parsed, iso7816::parse_cplc(cplc->data));
    if (auto cuid = iso7816::Cuid::parse(parsed.cuid_hex())) return *cuid;
  }
  host::piv::PivSession piv(c);
  if (piv.select().ok())
    if (auto serial = piv.serial(); serial) return store::cuid_from_device_serial(*serial);
  return Error::make(ErrorKind::kNotSupported, "the token has neither a CPLC nor a device serial: no CUID");
}

Result<XauthChallenge> begin_xauth_unblock(host::ApduConnection& c, std::string_view new_pin, bool force) {
  AcaSession session(c);
  KD_ASSIGN_OR_RETURN(AcaProperties p, select_and_read(session));
  if (!p.xauth_initialized || !p.xauth_algorithm)
    return Error::make(ErrorKind::kRefused,
                       "this token has no XAUTH admin key: the help desk cannot unblock it offline");
  if (p.xauth_tries == 0)
    return Error::make(ErrorKind::kRefused,
                       "the token's XAUTH key is blocked (0 tries left): only a factory re-initialisation "
                       "recovers it; unblock the PIN with the PUK if one is on record");
  // The new PIN goes to the token only after the XAUTH try; a PIN the token would refuse must not cost one.
  KD_TRY(runbook::check_pin_format("new PIN", new_pin,
                                   runbook::PinRule{p.min_pin_length > 0 ? p.min_pin_length : 6,
                                                    p.max_pin_length > 0 ? p.max_pin_length : 8, false}));
  const bool puk_left = p.puk_initialized && p.puk_tries > 0;
  KD_TRY(runbook::check_attempt("XAUTH", p.xauth_tries, puk_left, force));
  XauthChallenge pending;
  pending.cipher = *p.xauth_algorithm;
  pending.replayable = p.xauth_challenge_type == XauthChallengeType::kStatic;
  pending.xauth_before = p.xauth_tries;
  pending.xauth_max = p.xauth_max_tries;
  pending.pin_before = p.pin_tries;
  pending.pin_max = p.pin_max_tries;
  KD_ASSIGN_OR_RETURN(pending.challenge, session.xauth_challenge());
  if (pending.challenge.size() != crypto::block_size(pending.cipher))
    return Error::make(ErrorKind::kMalformed, "the token's XAUTH challenge is " +
                                                  std::to_string(pending.challenge.size()) +
                                                  " bytes, not one block of its algorithm");
  return pending;
}

Result<XauthUnblockReport> finish_xauth_unblock(host::ApduConnection& c, const XauthChallenge& pending,
                                                ByteView cryptogram, std::string_view new_pin) {
  if (cryptogram.size() != pending.challenge.size())
    return Error::make(ErrorKind::kUsage, "the response is not one block of the token's algorithm");
  // SELECT the ACA again: while it is the current applet this continues the session that holds the
  // challenge (docs/aca-protocol.md section 2); if another program selected another applet meanwhile, it
  // starts a new session without one, and EXTERNAL AUTHENTICATE says so (69 85) without spending a try.
  AcaSession session(c);
  if (auto s = session.select(); !s) {
    const Error& e = s.error();
    return session_gone(e);
  }
  XauthUnblockReport report;
  report.xauth_before = pending.xauth_before;
  report.xauth_max = pending.xauth_max;
  report.pin_before = pending.pin_before;
  report.pin_max = pending.pin_max;
  auto authenticated = session.xauth_authenticate(cryptogram);
  if (!authenticated) {
    if (authenticated.error().kind == ErrorKind::kStatusWord && authenticated.error().code == 0x6985)
      return Error::make(ErrorKind::kTokenReset,
                         "the token no longer holds the challenge: its card session ended (the token was "
                         "pulled out, reset, or another program selected another applet). Nothing was "
                         "spent; start again with a new challenge",
                         0x6985);
    const Error& e = authenticated.error();
    return session_gone(e);
  }
  report.status_word = authenticated->sw.value;
  report.outcome = outcome_of(authenticated->kind);
  if (authenticated->ok()) {
    KD_TRY(session.unblock_with_xauth(new_pin));
    report.pin_unblocked = true;
    report.xauth_ended = end_xauth(session);
  }
  if (auto after = session.properties(); after) {
    report.xauth_after = after->xauth_tries;
    report.pin_after = after->pin_tries;
  }
  if (!report.pin_unblocked) {
    if (report.xauth_after == 0)
      report.next_step =
          "the XAUTH key is now blocked: only a factory re-initialisation recovers it; unblock the PIN with "
          "the PUK if one is on record";
    else
      report.next_step =
          "check the response with the help desk (was it computed for this token's CUID and this "
          "challenge?) and start again: the challenge was used up";
  }
  return report;
}

Status set_force_pin_change(host::ApduConnection& c, ByteView admin_key) {
  AcaSession session(c);
  KD_ASSIGN_OR_RETURN(AcaProperties p, select_and_read(session));
  if (!p.xauth_initialized || !p.xauth_algorithm)
    return Error::make(ErrorKind::kRefused, "the token has no XAUTH key to set force-change with");
  if (admin_key.size() != crypto::key_size(*p.xauth_algorithm))
    return Error::make(ErrorKind::kRefused,
                       "the admin key on record does not fit the token's XAUTH algorithm");
  KD_TRY(runbook::check_attempt("XAUTH", p.xauth_tries, false, false));
  KD_ASSIGN_OR_RETURN(Bytes challenge, session.xauth_challenge());
  KD_ASSIGN_OR_RETURN(Bytes cryptogram,
                      protocol::aca::xauth_cryptogram(*p.xauth_algorithm, admin_key, challenge));
  KD_ASSIGN_OR_RETURN(host::VerifyResult r, session.xauth_authenticate(cryptogram));
  if (!r.ok())
    return Error::make(ErrorKind::kRefused, "the token refused the admin key on record (XAUTH " +
                                                std::to_string(r.retries_left) +
                                                " tries left): force-change was not set");
  host::aca::AcaPolicyChange change;
  change.force_pin_change = true;
  Status set = session.set_policy(change);
  end_xauth(session);
  return set;
}

Result<Bytes> xauth_response(const AdminKey& key, ByteView challenge) {
  return protocol::aca::xauth_cryptogram(key.cipher, key.key, challenge);
}

Result<std::string> admin_key_check_value(const AdminKey& key) {
  KD_ASSIGN_OR_RETURN(Bytes block,
                      crypto::ecb_encrypt(key.cipher, key.key, Bytes(crypto::block_size(key.cipher), 0)));
  block.resize(3);
  return to_hex(block, true);
}

Result<AdminKey> choose_admin_key(std::vector<AdminKey> candidates, size_t block_length,
                                  std::string_view check_on_record) {
  if (check_on_record.empty())
    return Error::make(ErrorKind::kRefused,
                       "the record has no key check value for its admin key: the key cannot be confirmed, "
                       "and a wrong response would cost the user an XAUTH try");
  std::string wanted(check_on_record);
  std::transform(wanted.begin(), wanted.end(), wanted.begin(),
                 [](unsigned char ch) { return std::toupper(ch); });
  for (auto& candidate : candidates) {
    if (crypto::block_size(candidate.cipher) != block_length) continue;
    if (candidate.key.size() != crypto::key_size(candidate.cipher)) continue;
    auto kcv = admin_key_check_value(candidate);
    if (kcv && *kcv == wanted) return std::move(candidate);
  }
  return Error::make(ErrorKind::kRefused,
                     "no admin key for this challenge matches the record's key check value " + wanted +
                         ": the key is not this token's (wrong master or CUID), or the challenge is of "
                         "another token");
}

}  // namespace keydesk::recovery
