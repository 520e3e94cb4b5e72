#include "provision/token_ops.h"

#include "core/text.h"
#include "crypto/digest.h"
#include "host/aca/aca_session.h"
#include "host/oath/oath_session.h"
#include "host/piv/piv_session.h"
#include "iso7816/cplc.h"
#include "provision/derivation.h"

namespace keydesk::provision {

namespace {
using host::aca::AcaSession;
using host::oath::OathSession;
using host::piv::PivSession;
using iso7816::CommandApdu;
using Kind = Observation::Kind;

constexpr uint8_t kPinRef = 0x80, kPukRef = 0x81, kManagementRef = 0x9B;
// Factory tries of a YubiKey's PIN and PUK (what a rollback of SET PIN RETRIES puts back).
constexpr uint8_t kFactoryTries = 3;

Bytes bytes_of_secret(const SecureString& s) {
  return Bytes(s.bytes().begin(), s.bytes().end());
}

Error refused(std::string what) {
  return Error::make(ErrorKind::kRefused, std::move(what));
}

Error not_taken(StepId step, const std::string& what) {
  return Error::make(ErrorKind::kIntegrity, "step " + std::string(step_spec(step).name) +
                                                ": the token does not read back as set (" + what + ")");
}

Result<host::ApduConnection*> card(StepContext& ctx) {
  return ctx.link.card();
}

crypto::BlockCipher cipher_from_id(std::optional<uint8_t> id) {
  switch (id.value_or(0x03)) {
    case 0x08:
      return crypto::BlockCipher::kAes128;
    case 0x0A:
      return crypto::BlockCipher::kAes192;
    case 0x0C:
      return crypto::BlockCipher::kAes256;
    default:
      return crypto::BlockCipher::kTdes;
  }
}

// --- ACA ------------------------------------------------------------------------------------------

Result<AcaSession> aca(StepContext& ctx) {
  KD_ASSIGN_OR_RETURN(host::ApduConnection * c, card(ctx));
  AcaSession s(*c);
  KD_TRY(s.select());
  return s;
}

// GET CHALLENGE, E_K(challenge), EXTERNAL AUTHENTICATE: one attempt, never repeated.
Status xauth(AcaSession& s, const Material& m) {
  KD_ASSIGN_OR_RETURN(Bytes challenge, s.xauth_challenge());
  KD_ASSIGN_OR_RETURN(Bytes cryptogram, AcaSession::xauth_cryptogram(m.admin_cipher, m.admin_key, challenge));
  KD_ASSIGN_OR_RETURN(host::VerifyResult r, s.xauth_authenticate(cryptogram));
  if (!r.ok())
    return refused(
        "the token refused the recorded XAUTH admin key" +
        (r.retries_left >= 0 ? " (" + std::to_string(r.retries_left) + " tries left)" : std::string()));
  return {};
}

Result<AcaSession> aca_authenticated(StepContext& ctx) {
  KD_ASSIGN_OR_RETURN(AcaSession s, aca(ctx));
  KD_TRY(xauth(s, ctx.material));
  return s;
}

host::aca::XauthChallengeType challenge_type(const Policy& p) {
  return p.admin_key && p.admin_key->challenge == XauthChallenge::kStatic
             ? host::aca::XauthChallengeType::kStatic
             : host::aca::XauthChallengeType::kDynamic;
}

bool properties_as_policy(const host::aca::AcaProperties& a, const Policy& p) {
  return a.min_pin_length == p.pin.min_length && a.max_pin_length == p.pin.max_length &&
         a.pin_max_tries == p.pin.max_tries && a.puk_max_tries == p.puk.max_tries &&
         a.xauth_max_tries == p.admin_key->max_tries && a.xauth_challenge_type == challenge_type(p);
}

// --- PIV ------------------------------------------------------------------------------------------

Result<PivSession> piv(StepContext& ctx) {
  KD_ASSIGN_OR_RETURN(host::ApduConnection * c, card(ctx));
  PivSession s(*c);
  KD_TRY(s.select());
  return s;
}

// Yubico SET MANAGEMENT KEY: 00 FF FF FF|FE <alg> 9B <len> <key> (touch: P2 FE).
Status set_management_key(host::ApduConnection& c, crypto::BlockCipher cipher, ByteView key, bool touch) {
  Bytes data{aca_algorithm_id(cipher), kManagementRef, static_cast<uint8_t>(key.size())};
  append(data, key);
  CommandApdu cmd = CommandApdu::make(0x00, 0xFF, 0xFF, touch ? 0xFE : 0xFF, std::move(data));
  auto r = c.send_ok(cmd, "PIV SET MANAGEMENT KEY");
  OPENSSL_cleanse(cmd.data.data(), cmd.data.size());
  if (!r) return r.error();
  return {};
}

// Yubico SET PIN RETRIES: 00 FA <PIN tries> <PUK tries>; needs the management key and the PIN, and resets
// both to their defaults (123456, 12345678).
Status set_pin_retries(host::ApduConnection& c, uint8_t pin_tries, uint8_t puk_tries) {
  auto r = c.send_ok(CommandApdu::make(0x00, 0xFA, pin_tries, puk_tries), "PIV SET PIN RETRIES");
  if (!r) return r.error();
  return {};
}

Status verify_or_refuse(Result<host::VerifyResult> r, const char* what) {
  if (!r) return r.error();
  if (!r->ok())
    return refused(
        std::string("the token refused the ") + what +
        (r->retries_left >= 0 ? " (" + std::to_string(r->retries_left) + " tries left)" : std::string()));
  return {};
}

Status authenticate_default(PivSession& s, const TokenFacts& facts) {
  const auto alg = facts.piv ? facts.piv->management_key_algorithm : std::nullopt;
  return s.authenticate(cipher_from_id(alg), default_management_key());
}

Result<host::piv::PivReferenceMetadata> metadata(PivSession& s, uint8_t ref) {
  KD_ASSIGN_OR_RETURN(auto m, s.metadata(ref));
  if (!m) return Error::make(ErrorKind::kNotSupported, "the token cannot report its PIN/PUK metadata");
  return *m;
}

// --- OATH -----------------------------------------------------------------------------------------

Result<OathSession> oath(StepContext& ctx, host::ApduConnection*& conn) {
  KD_ASSIGN_OR_RETURN(conn, card(ctx));
  OathSession s(*conn);
  KD_ASSIGN_OR_RETURN(host::oath::OathApplicationInfo info, s.select());
  if (info.password_required) return refused("the OATH application has a password");
  return s;
}

crypto::HashAlg hash_of(const store::OathCredential& c) {
  return c.algorithm == "SHA512"   ? crypto::HashAlg::kSha512
         : c.algorithm == "SHA256" ? crypto::HashAlg::kSha256
                                   : crypto::HashAlg::kSha1;
}

// RFC 4226 section 5.3 (RFC 6238 for TOTP's counter): the code the seed gives for `counter`.
std::string otp_code(const CredentialMaterial& c, uint64_t counter) {
  Bytes message;
  append_be64(message, counter);
  Bytes mac = crypto::hmac(hash_of(c.record), c.seed, message);
  const size_t offset = mac.back() & 0x0F;
  const uint32_t truncated = read_be32(ByteView(mac).subspan(offset, 4)) & 0x7FFFFFFF;
  OPENSSL_cleanse(mac.data(), mac.size());
  return OathSession::format_code(truncated, c.record.digits);
}

Status check_oath(StepContext& ctx) {
  host::ApduConnection* conn = nullptr;
  KD_ASSIGN_OR_RETURN(OathSession s, oath(ctx, conn));
  KD_ASSIGN_OR_RETURN(auto listed, s.list());
  for (const auto& c : ctx.material.oath) {
    const auto it =
        std::find_if(listed.begin(), listed.end(), [&](const auto& l) { return l.name == c.record.name; });
    if (it == listed.end())
      return not_taken(StepId::kOathCredentials, "no credential " + quoted_text(c.record.name));
    const bool hotp = c.record.type == "hotp";
    if ((it->type == host::oath::OathType::kHotp) != hotp || it->hash != hash_of(c.record))
      return not_taken(StepId::kOathCredentials, quoted_text(c.record.name) + " has another type or hash");
    if (hotp || c.touch) continue;  // a HOTP code would move the counter; touch needs a person
    KD_ASSIGN_OR_RETURN(std::string code, s.calculate_totp(c.record.name, ctx.now, c.record.period));
    const uint64_t step = static_cast<uint64_t>(ctx.now) / c.record.period;
    if (code != otp_code(c, step))
      return not_taken(StepId::kOathCredentials,
                       quoted_text(c.record.name) + " computes another code than its seed");
  }
  return {};
}

}  // namespace

// --- facts ------------------------------------------------------------------------------------------

Result<TokenFacts> read_facts(TokenLink& link, bool with_fido) {
  KD_ASSIGN_OR_RETURN(host::ApduConnection * c, link.card());
  TokenFacts f;
  f.atr = to_hex(c->transport().atr(), true);
  std::string applets;

  {
    auto r = c->select(AcaSession::aid());
    if (!r) return r.error();
    if (r->sw.ok()) {
      AcaSession s(*c);
      KD_ASSIGN_OR_RETURN(host::aca::AcaProperties p, s.properties());
      f.aca = AcaFacts{p.xauth_initialized, p.puk_initialized, p.pin_is_initial,
                       p.force_pin_change,  p.pin_tries,       p.pin_max_tries};
      applets = "ACA";
    }
  }
  std::optional<uint32_t> serial;
  {
    PivSession s(*c);
    auto selected = s.select();
    if (selected.ok()) {
      applets += applets.empty() ? "PIV" : "+PIV";
      KD_ASSIGN_OR_RETURN(f.version, s.version());
      auto sn = s.serial();
      if (sn.ok()) serial = *sn;
      PivFacts p;
      KD_ASSIGN_OR_RETURN(auto pin, s.metadata(kPinRef));
      KD_ASSIGN_OR_RETURN(auto puk, s.metadata(kPukRef));
      KD_ASSIGN_OR_RETURN(auto mgmt, s.metadata(kManagementRef));
      p.metadata = pin.has_value();
      if (pin) {
        p.pin_default = pin->is_default;
        p.pin_tries = pin->max_retries;
      }
      if (p.metadata) p.puk_initialized = puk.has_value();
      if (puk) {
        p.puk_default = puk->is_default;
        p.puk_tries = puk->max_retries;
      }
      if (mgmt) {
        p.management_key_default = mgmt->is_default;
        p.management_key_algorithm = mgmt->algorithm;
      }
      f.piv = p;
    } else if (selected.error().kind != ErrorKind::kStatusWord) {
      return selected.error();
    }
  }
  if (serial) f.serial = std::to_string(*serial);

  auto cplc = c->send(CommandApdu::make(0x80, 0xCA, 0x9F, 0x7F, {}, 256));
  if (!cplc) return cplc.error();
  if (cplc->sw.ok()) {
    KD_ASSIGN_OR_RETURN(iso7816::Cplc parsed, iso7816::parse_cplc(cplc->data));
    f.cuid = *iso7816::Cuid::parse(parsed.cuid_hex());
    f.cuid_source = store::CuidSource::kCplc;
  } else if (serial) {
    f.cuid = store::cuid_from_device_serial(*serial);
    f.cuid_source = store::CuidSource::kDeviceSerial;
  } else {
    return Error::make(ErrorKind::kNotSupported,
                       "the token has neither a CPLC nor a device serial: no CUID to record");
  }

  {
    OathSession s(*c);
    auto info = s.select();
    if (info.ok()) {
      applets += "+OATH";
      OathFacts o;
      o.password = info->password_required;
      if (!o.password) {
        KD_ASSIGN_OR_RETURN(auto listed, s.list());
        for (const auto& l : listed) o.names.push_back(l.name);
      }
      f.oath = o;
    } else if (info.error().kind != ErrorKind::kNotSupported) {
      return info.error();
    }
  }
  if (with_fido) {
    FidoFacts fido;
    auto session = link.fido();
    if (session.ok()) {
      KD_ASSIGN_OR_RETURN(host::fido::FidoInfo info, (*session)->info(true));
      fido.pin_set = info.option("clientPin").value_or(false);
      applets += "+FIDO";
    } else if (is_link_failure(session.error()) && session.error().kind != ErrorKind::kNoToken) {
      return session.error();
    } else {
      fido.reachable = false;
    }
    f.fido = fido;
  }
  f.model = applets + " " + std::to_string(f.version[0]) + "." + std::to_string(f.version[1]) + "." +
            std::to_string(f.version[2]);
  return f;
}

// --- run and verify ------------------------------------------------------------------------------

Status verify_token_step(StepId step, StepContext& ctx) {
  const Material& m = ctx.material;
  const Policy& p = ctx.policy;
  switch (step) {
    case StepId::kPivRetries: {
      KD_ASSIGN_OR_RETURN(PivSession s, piv(ctx));
      KD_ASSIGN_OR_RETURN(auto pin, metadata(s, kPinRef));
      KD_ASSIGN_OR_RETURN(auto puk, metadata(s, kPukRef));
      if (pin.max_retries != p.pin.max_tries || puk.max_retries != p.puk.max_tries)
        return not_taken(step, "PIN/PUK tries");
      return {};
    }
    case StepId::kAcaXauthKey: {
      KD_ASSIGN_OR_RETURN(AcaSession s, aca(ctx));
      KD_ASSIGN_OR_RETURN(host::aca::AcaProperties props, s.properties());
      if (!props.xauth_initialized || props.xauth_algorithm != m.admin_cipher)
        return not_taken(step, "XAUTH key");
      return xauth(s, m);
    }
    case StepId::kAcaProperties: {
      KD_ASSIGN_OR_RETURN(AcaSession s, aca(ctx));
      KD_ASSIGN_OR_RETURN(host::aca::AcaProperties props, s.properties());
      if (!properties_as_policy(props, p)) return not_taken(step, "properties");
      return {};
    }
    case StepId::kAcaPuk: {
      KD_ASSIGN_OR_RETURN(AcaSession s, aca(ctx));
      KD_ASSIGN_OR_RETURN(host::aca::AcaProperties props, s.properties());
      if (!props.puk_initialized || props.puk_tries != props.puk_max_tries) return not_taken(step, "PUK");
      return {};
    }
    case StepId::kAcaPin: {
      KD_ASSIGN_OR_RETURN(AcaSession s, aca(ctx));
      KD_ASSIGN_OR_RETURN(host::aca::AcaProperties props, s.properties());
      if (ctx.plan.decisions.random_pin ? props.pin_is_initial : !props.force_pin_change)
        return not_taken(step, "PIN");
      if (props.pin_tries != props.pin_max_tries) return not_taken(step, "PIN tries");
      return {};
    }
    case StepId::kPivManagementKey: {
      KD_ASSIGN_OR_RETURN(PivSession s, piv(ctx));
      auto proven = s.authenticate(m.piv_cipher, m.piv_management_key);
      if (!proven && is_link_failure(proven.error())) return proven.error();
      if (!proven) return not_taken(step, "management key: " + describe(proven.error()));
      return {};
    }
    case StepId::kPivPuk: {
      KD_ASSIGN_OR_RETURN(PivSession s, piv(ctx));
      KD_ASSIGN_OR_RETURN(auto puk, metadata(s, kPukRef));
      if (puk.is_default) return not_taken(step, "PUK still the default");
      return {};
    }
    case StepId::kPivPin: {
      KD_ASSIGN_OR_RETURN(PivSession s, piv(ctx));
      KD_ASSIGN_OR_RETURN(auto pin, metadata(s, kPinRef));
      if (pin.is_default) return not_taken(step, "PIN still the default");
      return {};
    }
    case StepId::kOathCredentials:
      return check_oath(ctx);
    case StepId::kFidoPin: {
      KD_ASSIGN_OR_RETURN(host::fido::FidoSession * f, ctx.link.fido());
      KD_ASSIGN_OR_RETURN(host::fido::FidoInfo info, f->info(true));
      if (!info.option("clientPin").value_or(false)) return not_taken(step, "no FIDO PIN");
      return {};
    }
    default:
      return Error::make(ErrorKind::kInternal, "not a token step: " + std::string(step_spec(step).name));
  }
}

Status apply_token_step(StepId step, StepContext& ctx) {
  const Material& m = ctx.material;
  const Policy& p = ctx.policy;
  switch (step) {
    case StepId::kPivRetries: {
      KD_ASSIGN_OR_RETURN(PivSession s, piv(ctx));
      KD_TRY(authenticate_default(s, ctx.facts));
      KD_TRY(verify_or_refuse(s.verify_pin(bytes_of_secret(m.transport_pin)), "transport PIN"));
      KD_ASSIGN_OR_RETURN(host::ApduConnection * c, card(ctx));
      return set_pin_retries(*c, static_cast<uint8_t>(p.pin.max_tries),
                             static_cast<uint8_t>(p.puk.max_tries));
    }
    case StepId::kAcaXauthKey: {
      KD_ASSIGN_OR_RETURN(AcaSession s, aca(ctx));
      return s.put_xauth_key(m.admin_cipher, m.admin_key, challenge_type(p));
    }
    case StepId::kAcaProperties: {
      KD_ASSIGN_OR_RETURN(AcaSession s, aca_authenticated(ctx));
      host::aca::AcaPolicyChange change;
      change.min_pin_length = static_cast<uint8_t>(p.pin.min_length);
      change.max_pin_length = static_cast<uint8_t>(p.pin.max_length);
      change.pin_max_tries = static_cast<uint8_t>(p.pin.max_tries);
      change.puk_max_tries = static_cast<uint8_t>(p.puk.max_tries);
      change.xauth_max_tries = static_cast<uint8_t>(p.admin_key->max_tries);
      change.xauth_challenge_type = challenge_type(p);
      return s.set_policy(change);
    }
    case StepId::kAcaPuk: {
      KD_ASSIGN_OR_RETURN(AcaSession s, aca_authenticated(ctx));
      return s.puk_put(m.puk.view());
    }
    case StepId::kAcaPin: {
      KD_ASSIGN_OR_RETURN(AcaSession s, aca_authenticated(ctx));
      if (ctx.plan.decisions.random_pin) return s.unblock_with_xauth(m.initial_pin.view());
      host::aca::AcaPolicyChange change;
      change.force_pin_change = true;
      return s.set_policy(change);
    }
    case StepId::kPivManagementKey: {
      KD_ASSIGN_OR_RETURN(PivSession s, piv(ctx));
      KD_TRY(authenticate_default(s, ctx.facts));
      KD_ASSIGN_OR_RETURN(host::ApduConnection * c, card(ctx));
      return set_management_key(*c, m.piv_cipher, m.piv_management_key, p.piv_management_key.touch);
    }
    case StepId::kPivPuk: {
      KD_ASSIGN_OR_RETURN(PivSession s, piv(ctx));
      return verify_or_refuse(s.change_puk(bytes_of(kDefaultPuk), bytes_of_secret(m.puk)), "default PUK");
    }
    case StepId::kPivPin: {
      KD_ASSIGN_OR_RETURN(PivSession s, piv(ctx));
      KD_TRY(verify_or_refuse(s.change_pin(bytes_of_secret(m.transport_pin), bytes_of_secret(m.initial_pin)),
                              "transport PIN"));
      return s.logout();
    }
    case StepId::kOathCredentials: {
      host::ApduConnection* conn = nullptr;
      KD_ASSIGN_OR_RETURN(OathSession s, oath(ctx, conn));
      for (const auto& c : m.oath) {
        host::oath::OathCredentialSpec spec;
        spec.name = c.record.name;
        spec.type = c.record.type == "hotp" ? host::oath::OathType::kHotp : host::oath::OathType::kTotp;
        spec.hash = hash_of(c.record);
        spec.digits = c.record.digits;
        SecureBytes seed = seed_for_token(c);
        spec.secret.assign(seed.begin(), seed.end());
        spec.initial_counter = static_cast<uint32_t>(c.record.counter);
        spec.touch = c.touch;
        auto put = s.put(spec);
        OPENSSL_cleanse(spec.secret.data(), spec.secret.size());
        if (!put) return put.error();
      }
      return {};
    }
    case StepId::kFidoPin: {
      KD_ASSIGN_OR_RETURN(host::fido::FidoSession * f, ctx.link.fido());
      return f->set_pin(std::string(m.fido_pin.view()));
    }
    default:
      return Error::make(ErrorKind::kInternal, "not a token step: " + std::string(step_spec(step).name));
  }
}

// --- observe -------------------------------------------------------------------------------------------

Result<Observation> observe_token_step(StepId step, StepContext& ctx) {
  const Material& m = ctx.material;
  const Policy& p = ctx.policy;
  auto seen = [&](Kind k, std::string detail = {}) { return Observation{step, k, std::move(detail)}; };
  switch (step) {
    case StepId::kPivRetries: {
      KD_ASSIGN_OR_RETURN(PivSession s, piv(ctx));
      KD_ASSIGN_OR_RETURN(auto pin, metadata(s, kPinRef));
      KD_ASSIGN_OR_RETURN(auto puk, metadata(s, kPukRef));
      const bool set = pin.max_retries == p.pin.max_tries && puk.max_retries == p.puk.max_tries;
      return seen(set ? Kind::kApplied : Kind::kNotApplied);
    }
    case StepId::kAcaXauthKey: {
      KD_ASSIGN_OR_RETURN(AcaSession s, aca(ctx));
      KD_ASSIGN_OR_RETURN(host::aca::AcaProperties props, s.properties());
      if (!props.xauth_initialized) return seen(Kind::kNotApplied, "no XAUTH key");
      if (props.xauth_algorithm != m.admin_cipher)
        return seen(Kind::kContradiction, "an XAUTH key of another algorithm");
      auto proven = xauth(s, m);
      if (proven.ok()) return seen(Kind::kApplied);
      if (proven.error().kind == ErrorKind::kRefused) return seen(Kind::kContradiction, "another XAUTH key");
      return proven.error();
    }
    case StepId::kAcaProperties: {
      KD_ASSIGN_OR_RETURN(AcaSession s, aca(ctx));
      KD_ASSIGN_OR_RETURN(host::aca::AcaProperties props, s.properties());
      return seen(properties_as_policy(props, p) ? Kind::kApplied : Kind::kNotApplied);
    }
    case StepId::kAcaPuk:
      // PUT PUK after XAUTH replaces any PUK: putting it again makes sure the token holds the recorded one.
      return seen(Kind::kUnknown, "a PUK cannot be read back");
    case StepId::kAcaPin: {
      if (ctx.plan.decisions.random_pin) return seen(Kind::kUnknown, "UNBLOCK PIN (XAUTH) sets it again");
      KD_ASSIGN_OR_RETURN(AcaSession s, aca(ctx));
      KD_ASSIGN_OR_RETURN(host::aca::AcaProperties props, s.properties());
      return seen(props.force_pin_change ? Kind::kApplied : Kind::kNotApplied);
    }
    case StepId::kPivManagementKey: {
      KD_ASSIGN_OR_RETURN(PivSession s, piv(ctx));
      KD_ASSIGN_OR_RETURN(auto meta, s.metadata(kManagementRef));
      const crypto::BlockCipher current = cipher_from_id(meta ? meta->algorithm : std::nullopt);
      if (current == m.piv_cipher) {
        auto ours = s.authenticate(m.piv_cipher, m.piv_management_key);
        if (ours.ok()) return seen(Kind::kApplied);
        if (is_link_failure(ours.error())) return ours.error();
        KD_TRY(s.select());
      }
      auto factory = s.authenticate(current, default_management_key());
      if (factory.ok()) return seen(Kind::kNotApplied);
      if (is_link_failure(factory.error())) return factory.error();
      return seen(Kind::kContradiction, "neither the default nor the recorded management key");
    }
    case StepId::kPivPuk: {
      KD_ASSIGN_OR_RETURN(PivSession s, piv(ctx));
      KD_ASSIGN_OR_RETURN(auto puk, metadata(s, kPukRef));
      return seen(puk.is_default ? Kind::kNotApplied : Kind::kApplied);
    }
    case StepId::kPivPin: {
      KD_ASSIGN_OR_RETURN(PivSession s, piv(ctx));
      KD_ASSIGN_OR_RETURN(auto pin, metadata(s, kPinRef));
      return seen(pin.is_default ? Kind::kNotApplied : Kind::kApplied);
    }
    case StepId::kOathCredentials:
      return seen(Kind::kUnknown, "PUT overwrites: put again");
    case StepId::kFidoPin: {
      KD_ASSIGN_OR_RETURN(host::fido::FidoSession * f, ctx.link.fido());
      KD_ASSIGN_OR_RETURN(host::fido::FidoInfo info, f->info(true));
      return seen(info.option("clientPin").value_or(false) ? Kind::kApplied : Kind::kNotApplied);
    }
    default:
      return Error::make(ErrorKind::kInternal, "not a token step: " + std::string(step_spec(step).name));
  }
}

// --- undo ---------------------------------------------------------------------------------------------

Status undo_token_step(StepId step, StepContext& ctx) {
  const Material& m = ctx.material;
  switch (step) {
    case StepId::kPivRetries: {
      KD_ASSIGN_OR_RETURN(PivSession s, piv(ctx));
      KD_TRY(s.authenticate(crypto::BlockCipher::kTdes, default_management_key()));
      KD_TRY(verify_or_refuse(s.verify_pin(bytes_of_secret(m.transport_pin)), "transport PIN"));
      KD_ASSIGN_OR_RETURN(host::ApduConnection * c, card(ctx));
      return set_pin_retries(*c, kFactoryTries, kFactoryTries);
    }
    case StepId::kAcaPin: {
      KD_ASSIGN_OR_RETURN(AcaSession s, aca_authenticated(ctx));
      if (ctx.plan.decisions.random_pin) return s.unblock_with_xauth(m.transport_pin.view());
      host::aca::AcaPolicyChange change;
      change.force_pin_change = false;
      return s.set_policy(change);
    }
    case StepId::kPivManagementKey: {
      KD_ASSIGN_OR_RETURN(PivSession s, piv(ctx));
      KD_TRY(s.authenticate(m.piv_cipher, m.piv_management_key));
      KD_ASSIGN_OR_RETURN(host::ApduConnection * c, card(ctx));
      return set_management_key(*c, crypto::BlockCipher::kTdes, default_management_key(), false);
    }
    case StepId::kPivPuk: {
      KD_ASSIGN_OR_RETURN(PivSession s, piv(ctx));
      return verify_or_refuse(s.change_puk(bytes_of_secret(m.puk), bytes_of(kDefaultPuk)), "recorded PUK");
    }
    case StepId::kPivPin: {
      KD_ASSIGN_OR_RETURN(PivSession s, piv(ctx));
      KD_TRY(verify_or_refuse(s.change_pin(bytes_of_secret(m.initial_pin), bytes_of_secret(m.transport_pin)),
                              "recorded PIN"));
      return s.logout();
    }
    case StepId::kOathCredentials: {
      host::ApduConnection* conn = nullptr;
      KD_ASSIGN_OR_RETURN(OathSession s, oath(ctx, conn));
      for (const auto& c : m.oath) {
        auto removed = s.remove(c.record.name);
        // 6984: not on the token (the interruption came before its PUT).
        if (!removed && !(removed.error().kind == ErrorKind::kStatusWord && removed.error().code == 0x6984))
          return removed.error();
      }
      return {};
    }
    default:
      return Error::make(ErrorKind::kInternal,
                         "step " + std::string(step_spec(step).name) + " is not undone");
  }
}

}  // namespace keydesk::provision
