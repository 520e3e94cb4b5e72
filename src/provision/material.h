// The secrets of one token's provisioning ("material"): made by keydesk (random, derived from a vault
// master, a batch PUK) or imported (PSKC), sealed in the store by the `record` step before any of them
// reaches the token, and read back from the store (an audited read) when a run is resumed or exported.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/secure_bytes.h"
#include "crypto/cipher.h"
#include "provision/plan.h"
#include "provision/policy.h"
#include "store/record_store.h"

namespace keydesk::provision {

// The published factory values of the tokens keydesk provisions (docs/provisioning.md, "Factory state").
inline constexpr std::string_view kDefaultTransportPin = "123456";
inline constexpr std::string_view kDefaultPuk = "12345678";
const Bytes& default_management_key();  // 010203040506070801020304050607080102030405060708, 3DES

// Reads a policy's SecretSource: a vault secret (an audited read with a reason), a file, or an
// environment variable. Keys in files and variables are hex text (whitespace ignored); text (passphrases,
// PINs) loses one trailing newline. Errors name the source, never its content.
class SecretResolver {
 public:
  enum class Use { kKey, kText };
  SecretResolver(store::RecordStore& store, store::Actor actor, std::string reason)
      : store_(store), actor_(std::move(actor)), reason_(std::move(reason)) {}
  Result<SecureBytes> read(const SecretSource& source, Use use, std::string_view what);

 private:
  store::RecordStore& store_;
  store::Actor actor_;
  std::string reason_;
};

struct CredentialMaterial {
  store::OathCredential record;  // name, type, algorithm, digits, counter, period, pskc_ref
  SecureBytes seed;
  bool touch = false;
};

struct Material {
  SecureString transport_pin;  // the PIN the token was delivered with
  SecureString initial_pin;    // what the PIN is after provisioning: random, or the transport PIN kept
  SecureString puk;
  crypto::BlockCipher admin_cipher = crypto::BlockCipher::kTdes;
  SecureBytes admin_key;  // the XAUTH key (ACA tokens) or the PIV management key (PIV-only tokens)
  crypto::BlockCipher piv_cipher = crypto::BlockCipher::kTdes;
  SecureBytes piv_management_key;  // ACA tokens: their PIV management key (PIV-only: the admin key)
  SecureString fido_pin;
  std::vector<CredentialMaterial> oath;
};

// The fields that fill credential name templates.
NameFields name_fields(const TokenFacts& facts, const store::UserIdentity& user);

// Makes every secret of the plan (the `record` step): PUK by the policy's strategy, the initial PIN, the
// admin key (diversified XAUTH key, or a random PIV management key), the PIV management key, the FIDO PIN,
// OATH credentials generated and imported from the policy's PSKC file (the KeyPackages whose
// DeviceInfo/SerialNo is the token's serial). A PSKC file with a bad MAC, a wrong key or malformed XML
// imports nothing: the error says why, and nothing has been recorded or set.
Result<Material> make_material(const Policy& policy, const Plan& plan, const TokenFacts& facts,
                               const store::UserIdentity& user, SecretResolver& secrets,
                               store::RecordStore& store, const store::Actor& actor);

// The same material read back from the store (audited reads with `reason`), for a resumed run.
Result<Material> load_material(const Policy& policy, const Plan& plan, const TokenFacts& facts,
                               const store::TokenRecord& record, SecretResolver& secrets,
                               store::RecordStore& store, const store::Actor& actor, std::string_view reason);

// The seed as it goes onto a YKOATH token: a key longer than the hash's block is replaced by its hash, which
// RFC 2104 section 2 makes the same HMAC key (ykman does the same); the store and the export keep the seed.
SecureBytes seed_for_token(const CredentialMaterial& c);

// The record's secrets for the store, each under its field.
std::vector<store::NewSecret> sealed_fields(const Plan& plan, const Material& m);

// Writes <directory>/<CUID>.pskc (0600, written to a temporary file, fsynced, renamed) for the validation
// server from the credentials and seeds on record, encrypted as the policy's export says. Returns the path.
Result<std::string> export_pskc(const OathExport& spec, const TokenFacts& facts,
                                const store::TokenRecord& record,
                                const std::vector<CredentialMaterial>& credentials, SecretResolver& secrets);

}  // namespace keydesk::provision
