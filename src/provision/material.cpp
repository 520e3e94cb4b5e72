#include "provision/material.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>

#include "core/text.h"
#include "crypto/digest.h"
#include "crypto/random.h"
#include "provision/derivation.h"
#include "pskc/pskc.h"

namespace keydesk::provision {

const Bytes& default_management_key() {
  static const Bytes k = *from_hex("010203040506070801020304050607080102030405060708");
  return k;
}

namespace {

constexpr size_t kMaxSecretFile = 64 * 1024;

Result<std::string> read_small_file(const std::string& path, size_t limit, std::string_view what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Error::make(
        errno == ENOENT ? ErrorKind::kNotFound : ErrorKind::kIo,
        std::string(what) + ": cannot open " + quoted_text(path) + " (" + std::strerror(errno) + ")");
  std::string out;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return Error::make(ErrorKind::kIo, std::string(what) + ": cannot read " + quoted_text(path));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > limit) {
      ::close(fd);
      OPENSSL_cleanse(out.data(), out.size());
      return Error::make(ErrorKind::kUsage, std::string(what) + ": " + quoted_text(path) +
                                                " is larger than " + std::to_string(limit) + " bytes");
    }
  }
  OPENSSL_cleanse(buf, sizeof buf);
  ::close(fd);
  return out;
}

SecureBytes secure_copy(Bytes& b) {
  SecureBytes out(b.begin(), b.end());
  OPENSSL_cleanse(b.data(), b.size());
  return out;
}

SecureBytes secure(std::string& s) {
  SecureBytes out(s.begin(), s.end());
  OPENSSL_cleanse(s.data(), s.size());
  return out;
}

std::string hash_label(crypto::HashAlg h) {
  switch (h) {
    case crypto::HashAlg::kSha256:
      return "SHA256";
    case crypto::HashAlg::kSha512:
      return "SHA512";
    default:
      return "SHA1";
  }
}

SecureString text_of(const SecureBytes& b) {
  return SecureString(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
}

Result<SecureString> batch_puk(const PukPolicy& policy, store::RecordStore& store,
                               const store::Actor& actor) {
  const std::string name = "puk-batch/" + policy.batch;
  const std::string reason = "provisioning: PUK of batch " + policy.batch;
  auto existing = store.vault_read(name, actor, reason);
  if (!existing.ok()) {
    if (existing.error().kind != ErrorKind::kNotFound) return existing.error();
    // The batch's PUK, made once and sealed once; every token of the batch gets it.
    SecureString fresh = random_digits(policy.length);
    KD_TRY(store.vault_put(name, fresh.bytes(), actor, "provisioning: new batch " + policy.batch));
    // Read it back: if another provisioner created the batch at the same moment, the vault's value wins.
    existing = store.vault_read(name, actor, reason);
    if (!existing.ok()) return existing.error();
  }
  SecureString puk = text_of(*existing);
  if (puk.size() != static_cast<size_t>(policy.length) ||
      !std::all_of(puk.view().begin(), puk.view().end(), ::isdigit))
    return Error::make(ErrorKind::kUsage, "vault secret " + name + " is not a PUK of " +
                                              std::to_string(policy.length) + " digits");
  return puk;
}

// YKOATH keeps at most one hash block of key; a longer HMAC key is equivalent to its hash (RFC 2104 section
// 2), which is what ykman puts on the token too.
SecureBytes token_seed(const CredentialMaterial& c) {
  const crypto::HashAlg h = c.record.algorithm == "SHA512"   ? crypto::HashAlg::kSha512
                            : c.record.algorithm == "SHA256" ? crypto::HashAlg::kSha256
                                                             : crypto::HashAlg::kSha1;
  const size_t block = h == crypto::HashAlg::kSha512 ? 128 : 64;
  if (c.seed.size() <= block) return c.seed;
  Bytes digest = crypto::hash(h, c.seed);
  return secure_copy(digest);
}

Result<std::vector<CredentialMaterial>> imported_credentials(const OathImport& spec, const TokenFacts& facts,
                                                             const NameFields& base,
                                                             SecretResolver& secrets) {
  KD_ASSIGN_OR_RETURN(std::string xml,
                      read_small_file(spec.file, pskc::ReadLimits{}.max_bytes, "PSKC import"));
  pskc::Decryption decryption;
  if (spec.preshared_key) {
    KD_ASSIGN_OR_RETURN(decryption.preshared_key,
                        secrets.read(*spec.preshared_key, SecretResolver::Use::kKey, "PSKC pre-shared key"));
  }
  if (spec.passphrase) {
    KD_ASSIGN_OR_RETURN(SecureBytes p,
                        secrets.read(*spec.passphrase, SecretResolver::Use::kText, "PSKC passphrase"));
    decryption.passphrase = text_of(p);
  }
  auto container = pskc::read_pskc(xml, decryption);
  OPENSSL_cleanse(xml.data(), xml.size());
  if (!container.ok()) {
    Error e = container.error();
    e.context = "PSKC import " + quoted_text(spec.file) + ": " + e.context + " (nothing was imported)";
    // A file that is not RFC 6030 is the operator's input, like the policy: a usage error (exit 2).
    if (e.kind == ErrorKind::kMalformed) e.kind = ErrorKind::kUsage;
    return e;
  }
  std::vector<CredentialMaterial> out;
  for (auto& key : container->keys) {
    if (key.device.serial_no != facts.serial) continue;
    const std::string at = "PSKC import " + quoted_text(spec.file) + ", key " + quoted_text(key.id) + ": ";
    NameFields fields = base;
    fields.issuer = key.issuer;
    fields.id = key.id;
    auto name = expand_name(spec.name, fields);
    if (!name.ok()) return Error::make(ErrorKind::kUsage, at + describe(name.error()));
    if (key.digits > 8)
      return Error::make(ErrorKind::kNotSupported, at + "YKOATH tokens show at most 8 digits, the key has " +
                                                       std::to_string(key.digits));
    CredentialMaterial c;
    c.record.name = *name;
    c.record.type = key.algorithm == pskc::OtpAlgorithm::kHotp ? "hotp" : "totp";
    c.record.algorithm = key.hash == pskc::OtpHash::kSha512   ? "SHA512"
                         : key.hash == pskc::OtpHash::kSha256 ? "SHA256"
                                                              : "SHA1";
    c.record.digits = static_cast<int>(key.digits);
    c.record.pskc_ref = key.id;
    if (key.algorithm == pskc::OtpAlgorithm::kHotp) {
      if (!key.counter) {
        if (spec.hotp_without_counter == HotpWithoutCounter::kRefuse)
          return Error::make(
              ErrorKind::kUsage,
              at + "a HOTP key without a Counter (the policy says refuse; start-at-zero would start it "
                   "at 0)");
        key.counter = 0;
      }
      if (*key.counter > 0xFFFFFFFFull)
        return Error::make(ErrorKind::kNotSupported, at + "YKOATH starts a counter at most at 2^32 - 1");
      c.record.counter = *key.counter;
    } else {
      c.record.period = key.time_interval.value_or(30);
      if (key.time && *key.time != 0)
        return Error::make(ErrorKind::kNotSupported,
                           at + "a TOTP start time other than 0 (YKOATH counts from the Unix epoch)");
    }
    c.seed = std::move(key.secret);
    c.touch = spec.touch;
    out.push_back(std::move(c));
  }
  if (out.empty())
    return Error::make(ErrorKind::kNotFound, "PSKC import " + quoted_text(spec.file) +
                                                 ": no KeyPackage for the token's serial " + facts.serial);
  return out;
}

}  // namespace

Result<SecureBytes> SecretResolver::read(const SecretSource& source, Use use, std::string_view what) {
  const std::string where =
      std::string(what) + " (" + secret_source_kind_name(source.kind) + " " + quoted_text(source.name) + ")";
  std::string text;
  switch (source.kind) {
    case SecretSource::Kind::kVault: {
      auto v = store_.vault_read(source.name, actor_, reason_);
      if (!v.ok()) {
        Error e = v.error();
        e.context = where + ": " + e.context;
        return e;
      }
      return std::move(*v);
    }
    case SecretSource::Kind::kFile: {
      KD_ASSIGN_OR_RETURN(text, read_small_file(source.name, kMaxSecretFile, where));
      break;
    }
    case SecretSource::Kind::kEnv: {
      const char* v = std::getenv(source.name.c_str());
      if (!v) return Error::make(ErrorKind::kNotFound, where + ": the variable is not set");
      text = v;
      break;
    }
  }
  if (use == Use::kText) {
    if (text.ends_with("\r\n"))
      text.resize(text.size() - 2);
    else if (text.ends_with('\n'))
      text.pop_back();
    if (text.empty()) return Error::make(ErrorKind::kUsage, where + ": empty");
    return secure(text);
  }
  auto key = from_hex(text.substr(0, text.find_last_not_of(" \t\r\n") + 1));
  OPENSSL_cleanse(text.data(), text.size());
  if (!key || key->empty()) return Error::make(ErrorKind::kUsage, where + ": not a key in hex");
  return secure_copy(*key);
}

NameFields name_fields(const TokenFacts& facts, const store::UserIdentity& user) {
  return NameFields{user.name, facts.serial, facts.cuid.hex(), {}, {}};
}

Result<Material> make_material(const Policy& policy, const Plan& plan, const TokenFacts& facts,
                               const store::UserIdentity& user, SecretResolver& secrets,
                               store::RecordStore& store, const store::Actor& actor) {
  const PlanDecisions& d = plan.decisions;
  Material m;
  if (policy.pin.transport_pin) {
    KD_ASSIGN_OR_RETURN(SecureBytes t,
                        secrets.read(*policy.pin.transport_pin, SecretResolver::Use::kText, "transport PIN"));
    m.transport_pin = text_of(t);
  } else {
    m.transport_pin = SecureString(kDefaultTransportPin);
  }
  m.initial_pin = d.random_pin ? random_digits(policy.pin.length, m.transport_pin.view()) : m.transport_pin;

  switch (policy.puk.strategy) {
    case PukStrategy::kRandomPerToken:
      m.puk = random_digits(policy.puk.length, kDefaultPuk);
      break;
    case PukStrategy::kDerived: {
      KD_ASSIGN_OR_RETURN(
          SecureBytes master,
          secrets.read(*policy.puk.derivation_master, SecretResolver::Use::kKey, "PUK derivation master"));
      KD_ASSIGN_OR_RETURN(m.puk, derive_puk(master, facts.cuid, policy.puk.length));
      break;
    }
    case PukStrategy::kBatchShared: {
      KD_ASSIGN_OR_RETURN(m.puk, batch_puk(policy.puk, store, actor));
      break;
    }
  }

  m.piv_cipher = policy.piv_management_key.algorithm;
  m.piv_management_key = random_block_key(m.piv_cipher);
  if (d.xauth) {
    KD_ASSIGN_OR_RETURN(SecureBytes master, secrets.read(policy.admin_key->master, SecretResolver::Use::kKey,
                                                         "XAUTH master key"));
    m.admin_cipher = policy.admin_key->algorithm;
    KD_ASSIGN_OR_RETURN(m.admin_key, diversify_admin_key(master, facts.cuid, m.admin_cipher));
  } else {
    m.admin_cipher = m.piv_cipher;
    m.admin_key = m.piv_management_key;
  }
  if (d.fido_pin) m.fido_pin = random_digits(policy.fido.pin_length);

  if (d.oath) {
    const NameFields fields = name_fields(facts, user);
    std::set<std::string> names;
    for (const auto& g : policy.oath.generate) {
      CredentialMaterial c;
      KD_ASSIGN_OR_RETURN(c.record.name, expand_name(g.name, fields));
      c.record.type = g.kind == OathKind::kHotp ? "hotp" : "totp";
      c.record.algorithm = hash_label(g.hash);
      c.record.digits = g.digits;
      c.record.counter = g.kind == OathKind::kHotp ? g.counter : 0;
      c.record.period = g.period;
      Bytes seed = crypto::random_bytes(static_cast<size_t>(g.secret_bytes));
      c.seed = secure_copy(seed);
      c.touch = g.touch;
      m.oath.push_back(std::move(c));
    }
    if (policy.oath.import) {
      KD_ASSIGN_OR_RETURN(auto imported, imported_credentials(*policy.oath.import, facts, fields, secrets));
      for (auto& c : imported) m.oath.push_back(std::move(c));
    }
    for (const auto& c : m.oath)
      if (!names.insert(c.record.name).second)
        return Error::make(ErrorKind::kUsage,
                           "two OATH credentials would be named " + quoted_text(c.record.name));
  }
  return m;
}

Result<Material> load_material(const Policy& policy, const Plan& plan, const TokenFacts& facts,
                               const store::TokenRecord& record, SecretResolver& secrets,
                               store::RecordStore& store, const store::Actor& actor,
                               std::string_view reason) {
  const PlanDecisions& d = plan.decisions;
  auto read = [&](const store::SecretField& f) { return store.read_secret(record.cuid, f, actor, reason); };
  Material m;
  if (policy.pin.transport_pin) {
    KD_ASSIGN_OR_RETURN(SecureBytes t,
                        secrets.read(*policy.pin.transport_pin, SecretResolver::Use::kText, "transport PIN"));
    m.transport_pin = text_of(t);
  } else {
    m.transport_pin = SecureString(kDefaultTransportPin);
  }
  KD_ASSIGN_OR_RETURN(SecureBytes pin, read(store::SecretField::initial_pin()));
  m.initial_pin = text_of(pin);
  KD_ASSIGN_OR_RETURN(SecureBytes puk, read(store::SecretField::puk()));
  m.puk = text_of(puk);
  KD_ASSIGN_OR_RETURN(m.admin_key, read(store::SecretField::admin_key()));
  m.piv_cipher = policy.piv_management_key.algorithm;
  if (d.xauth) {
    m.admin_cipher = policy.admin_key->algorithm;
    KD_ASSIGN_OR_RETURN(m.piv_management_key, read(store::SecretField::piv_management_key()));
  } else {
    m.admin_cipher = m.piv_cipher;
    m.piv_management_key = m.admin_key;
  }
  if (m.admin_key.size() != crypto::key_size(m.admin_cipher) ||
      m.piv_management_key.size() != crypto::key_size(m.piv_cipher))
    return Error::make(ErrorKind::kIntegrity, "the keys on record do not fit the policy's algorithms");
  if (d.fido_pin) {
    KD_ASSIGN_OR_RETURN(SecureBytes f, read(store::SecretField::fido_pin()));
    m.fido_pin = text_of(f);
  }
  if (d.oath) {
    const NameFields fields = name_fields(facts, record.user);
    for (const auto& o : record.oath) {
      CredentialMaterial c;
      c.record = o;
      KD_ASSIGN_OR_RETURN(c.seed, read(store::SecretField::oath_seed(o.name)));
      if (!o.pskc_ref.empty()) {
        c.touch = policy.oath.import && policy.oath.import->touch;
      } else {
        for (const auto& g : policy.oath.generate) {
          auto n = expand_name(g.name, fields);
          if (n.ok() && *n == o.name) c.touch = g.touch;
        }
      }
      m.oath.push_back(std::move(c));
    }
  }
  return m;
}

std::vector<store::NewSecret> sealed_fields(const Plan& plan, const Material& m) {
  auto bytes = [](const SecureString& s) { return SecureBytes(s.bytes().begin(), s.bytes().end()); };
  std::vector<store::NewSecret> out;
  out.push_back({store::SecretField::puk(), bytes(m.puk)});
  out.push_back({store::SecretField::initial_pin(), bytes(m.initial_pin)});
  out.push_back({store::SecretField::admin_key(), m.admin_key});
  if (plan.decisions.xauth) out.push_back({store::SecretField::piv_management_key(), m.piv_management_key});
  if (plan.decisions.fido_pin) out.push_back({store::SecretField::fido_pin(), bytes(m.fido_pin)});
  for (const auto& c : m.oath) out.push_back({store::SecretField::oath_seed(c.record.name), c.seed});
  return out;
}

SecureBytes seed_for_token(const CredentialMaterial& c) {
  return token_seed(c);
}

Result<std::string> export_pskc(const OathExport& spec, const TokenFacts& facts,
                                const store::TokenRecord& record,
                                const std::vector<CredentialMaterial>& credentials, SecretResolver& secrets) {
  pskc::Container container;
  container.id = "keydesk-" + record.cuid.hex();
  for (const auto& c : credentials) {
    pskc::OathKey k;
    k.id = c.record.pskc_ref.empty() ? c.record.name : c.record.pskc_ref;
    k.algorithm = c.record.type == "hotp" ? pskc::OtpAlgorithm::kHotp : pskc::OtpAlgorithm::kTotp;
    k.hash = c.record.algorithm == "SHA512"   ? pskc::OtpHash::kSha512
             : c.record.algorithm == "SHA256" ? pskc::OtpHash::kSha256
                                              : pskc::OtpHash::kSha1;
    k.friendly_name = c.record.name;
    k.user_id = record.user.name;
    k.device.serial_no = facts.serial;
    k.device.model = record.model;
    k.device.user_id = record.user.name;
    k.crypto_module_id = record.cuid.hex();
    k.digits = static_cast<unsigned>(c.record.digits);
    k.secret = c.seed;
    if (k.algorithm == pskc::OtpAlgorithm::kHotp)
      k.counter = c.record.counter;
    else
      k.time_interval = c.record.period;
    container.keys.push_back(std::move(k));
  }
  pskc::ExportProtection protection;
  protection.key_name = spec.key_name;
  if (spec.preshared_key) {
    KD_ASSIGN_OR_RETURN(protection.preshared_key,
                        secrets.read(*spec.preshared_key, SecretResolver::Use::kKey, "PSKC export key"));
  } else {
    KD_ASSIGN_OR_RETURN(SecureBytes p,
                        secrets.read(*spec.passphrase, SecretResolver::Use::kText, "PSKC export passphrase"));
    protection.passphrase = text_of(p);
  }
  pskc::ExportOptions options;
  options.cipher = spec.cipher == ExportCipher::kAes256Cbc ? pskc::ExportCipher::kAes256Cbc
                                                           : pskc::ExportCipher::kAes128Cbc;
  options.mac =
      spec.mac == ExportMac::kHmacSha256 ? pskc::ExportMac::kHmacSha256 : pskc::ExportMac::kHmacSha1;
  if (spec.pbkdf2_iterations) options.pbkdf2_iterations = *spec.pbkdf2_iterations;
  KD_ASSIGN_OR_RETURN(std::string xml, pskc::write_pskc(container, protection, options));

  const std::string path = spec.directory + "/" + record.cuid.hex() + ".pskc";
  const std::string temp = path + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return Error::make(ErrorKind::kIo,
                       "PSKC export: cannot create " + quoted_text(temp) + " (" + std::strerror(errno) + ")");
  size_t written = 0;
  while (written < xml.size()) {
    const ssize_t n = ::write(fd, xml.data() + written, xml.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      ::unlink(temp.c_str());
      return Error::make(ErrorKind::kIo, "PSKC export: cannot write " + quoted_text(temp));
    }
    written += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || ::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    return Error::make(ErrorKind::kIo, "PSKC export: cannot write " + quoted_text(path));
  }
  const int dir = ::open(spec.directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return path;
}

}  // namespace keydesk::provision
