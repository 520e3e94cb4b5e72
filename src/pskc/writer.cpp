// PSKC export (RFC 6030): secrets always encrypted with AES-CBC and a random IV, each EncryptedValue
// followed by its HMAC ValueMAC, the MAC key random and encrypted under the same key in MACMethod/MACKey
// (§6.1.1), the encryption key a pre-shared key (§6.1) or derived from a passphrase with PBKDF2 (§6.2).
// The tree is built with libxml2 so that every name and text is escaped by the library.
#include <libxml/tree.h>

#include <memory>
#include <set>

#include "crypto/digest.h"
#include "crypto/random.h"
#include "pskc/base64.h"
#include "pskc/pskc.h"
#include "pskc/value_crypto.h"
#include "pskc/xml.h"

namespace keydesk::pskc {
namespace {

constexpr std::string_view kPbkdf2Uri = "http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2";

const xmlChar* X(const char* s) {
  return reinterpret_cast<const xmlChar*>(s);
}

Error usage(std::string what) {
  return Error::make(ErrorKind::kUsage, "PSKC export: " + what);
}

// Text that XML 1.0 can carry (§2.2 Char): valid UTF-8 without C0 controls other than tab, LF and CR.
bool xml_safe(const std::string& s) {
  if (xmlCheckUTF8(X(s.c_str())) == 0 || s.find('\0') != std::string::npos) return false;
  for (unsigned char c : s)
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
  return true;
}

class Writer {
 public:
  Writer(const ExportProtection& protection, const ExportOptions& options)
      : protection_(protection), options_(options) {}

  Result<std::string> run(const Container& container) {
    KD_TRY(validate(container));
    cipher_ = options_.cipher == ExportCipher::kAes256Cbc ? ValueCipher::kAes256Cbc : ValueCipher::kAes128Cbc;
    mac_alg_ = options_.mac == ExportMac::kHmacSha256 ? crypto::HashAlg::kSha256 : crypto::HashAlg::kSha1;

    doc_.reset(xmlNewDoc(X("1.0")));
    xmlNode* root = xmlNewNode(nullptr, X("KeyContainer"));
    xmlDocSetRootElement(doc_.get(), root);
    // Prefixed names throughout, no default namespace: the PBKDF2-params children are then unqualified,
    // exactly as in RFC 6030 Figure 7.
    ns_pskc_ = xmlNewNs(root, X(std::string(kNsPskc).c_str()), X("pskc"));
    xmlSetNs(root, ns_pskc_);
    ns_ds_ = xmlNewNs(root, X(std::string(kNsDs).c_str()), X("ds"));
    ns_xenc_ = xmlNewNs(root, X(std::string(kNsXenc).c_str()), X("xenc"));
    if (protection_.passphrase) {
      ns_xenc11_ = xmlNewNs(root, X(std::string(kNsXenc11).c_str()), X("xenc11"));
      ns_pkcs5_ = xmlNewNs(root, X(std::string(kNsPkcs5).c_str()), X("pkcs5"));
    }
    xmlNewProp(root, X("Version"), X("1.0"));
    const std::string& id = options_.container_id.empty() ? container.id : options_.container_id;
    if (!id.empty()) xmlNewProp(root, X("Id"), X(id.c_str()));

    KD_TRY(write_encryption_key(root));
    write_mac_method(root);
    for (const OathKey& key : container.keys) KD_TRY(write_key(root, key));

    xmlChar* buffer = nullptr;
    int size = 0;
    xmlDocDumpFormatMemoryEnc(doc_.get(), &buffer, &size, "UTF-8", 1);
    if (buffer == nullptr) return Error::make(ErrorKind::kInternal, "PSKC export: serialising failed");
    std::string out(reinterpret_cast<const char*>(buffer), static_cast<size_t>(size));
    xmlFree(buffer);
    return out;
  }

 private:
  Status validate(const Container& container) {
    if (protection_.preshared_key.has_value() == protection_.passphrase.has_value())
      return usage("give exactly one of a pre-shared key and a passphrase");
    const size_t key_size = options_.cipher == ExportCipher::kAes256Cbc ? 32 : 16;
    if (protection_.preshared_key && protection_.preshared_key->size() != key_size)
      return usage("the pre-shared key must be " + std::to_string(key_size) + " bytes for the chosen cipher");
    if (protection_.passphrase && protection_.passphrase->empty()) return usage("the passphrase is empty");
    if (protection_.passphrase && (options_.pbkdf2_iterations < 1000 || options_.pbkdf2_salt_bytes < 8))
      return usage("PBKDF2 needs at least 1000 iterations and an 8-byte salt (RFC 8018 §4)");
    if (container.keys.empty()) return usage("no keys to export");
    if (!xml_safe(options_.container_id) || !xml_safe(container.id) || !xml_safe(protection_.key_name))
      return usage("text that XML cannot carry");
    std::set<std::string> ids;
    for (const OathKey& key : container.keys) {
      if (key.id.empty()) return usage("a key without an id");
      if (!ids.insert(key.id).second) return usage("key id \"" + key.id + "\" appears twice");
      if (key.secret.empty()) return usage("key " + key.id + " has no secret");
      if (key.digits < 6 || key.digits > 9) return usage("key " + key.id + ": digits must be 6..9");
      if (key.algorithm == OtpAlgorithm::kHotp && !key.counter)
        return usage("key " + key.id + ": a HOTP key needs its counter (RFC 6030 §10.1)");
      if (key.time_interval && *key.time_interval == 0) return usage("key " + key.id + ": time interval 0");
      for (const std::string* text :
           {&key.id, &key.issuer, &key.friendly_name, &key.user_id, &key.device.manufacturer,
            &key.device.serial_no, &key.device.model, &key.device.user_id, &key.crypto_module_id,
            &key.policy.start_date, &key.policy.expiry_date})
        if (!xml_safe(*text))
          return usage("key " + std::to_string(ids.size()) + ": text that XML cannot carry");
    }
    return {};
  }

  xmlNode* add(xmlNode* parent, xmlNs* ns, const char* name, const std::string& text = {}) {
    if (ns != nullptr) return xmlNewTextChild(parent, ns, X(name), text.empty() ? nullptr : X(text.c_str()));
    // xmlNewTextChild would give a namespace-less child its parent's namespace; build it by hand instead.
    xmlNode* node = xmlNewDocNode(doc_.get(), nullptr, X(name), nullptr);
    if (!text.empty()) xmlAddChild(node, xmlNewDocText(doc_.get(), X(text.c_str())));
    return xmlAddChild(parent, node);
  }

  Status write_encryption_key(xmlNode* root) {
    xmlNode* ek = add(root, ns_pskc_, "EncryptionKey");
    if (protection_.preshared_key) {
      encryption_key_ = *protection_.preshared_key;
      add(ek, ns_ds_, "KeyName",
          protection_.key_name.empty() ? std::string("Pre-shared-key") : protection_.key_name);
      return {};
    }
    const size_t key_size = value_cipher_key_size(cipher_);
    const Bytes salt = crypto::random_bytes(options_.pbkdf2_salt_bytes);
    Bytes derived = crypto::pbkdf2(crypto::HashAlg::kSha1, protection_.passphrase->bytes(), salt,
                                   options_.pbkdf2_iterations, key_size);
    encryption_key_ = SecureBytes(derived.begin(), derived.end());
    wipe(derived);
    // XML Encryption 1.1 DerivedKey with PKCS #5 PBKDF2-params, as RFC 6030 Figure 7. No PRF element:
    // the default PRF is HMAC-SHA1 (RFC 8018 Appendix A.2), which every reader assumes.
    xmlNode* dk = add(ek, ns_xenc11_, "DerivedKey");
    xmlNode* method = add(dk, ns_xenc11_, "KeyDerivationMethod");
    xmlNewProp(method, X("Algorithm"), X(std::string(kPbkdf2Uri).c_str()));
    xmlNode* params = add(method, ns_pkcs5_, "PBKDF2-params");
    xmlNode* salt_elem = add(params, nullptr, "Salt");
    add(salt_elem, nullptr, "Specified", base64_encode(salt));
    add(params, nullptr, "IterationCount", std::to_string(options_.pbkdf2_iterations));
    add(params, nullptr, "KeyLength", std::to_string(key_size));
    add(dk, ns_xenc11_, "MasterKeyName",
        protection_.key_name.empty() ? std::string("Passphrase") : protection_.key_name);
    return {};
  }

  void write_cipher_data(xmlNode* parent, const Bytes& cipher_value) {
    xmlNode* method = add(parent, ns_xenc_, "EncryptionMethod");
    xmlNewProp(method, X("Algorithm"), X(std::string(value_cipher_uri(cipher_)).c_str()));
    xmlNode* data = add(parent, ns_xenc_, "CipherData");
    add(data, ns_xenc_, "CipherValue", base64_encode(cipher_value));
  }

  void write_mac_method(xmlNode* root) {
    xmlNode* mm = add(root, ns_pskc_, "MACMethod");
    xmlNewProp(mm, X("Algorithm"), X(std::string(mac_uri(mac_alg_)).c_str()));
    // A fresh MAC key as long as the hash output (RFC 2104 §3 recommends at least that length).
    Bytes mk = crypto::random_bytes(crypto::hash_size(mac_alg_));
    mac_key_ = SecureBytes(mk.begin(), mk.end());
    wipe(mk);
    auto encrypted = encrypt_value(cipher_, encryption_key_, mac_key_);
    write_cipher_data(add(mm, ns_pskc_, "MACKey"), encrypted.value());  // sizes were validated
  }

  Status write_encrypted(xmlNode* parent, ByteView plaintext) {
    KD_ASSIGN_OR_RETURN(Bytes cipher_value, encrypt_value(cipher_, encryption_key_, plaintext));
    write_cipher_data(add(parent, ns_pskc_, "EncryptedValue"), cipher_value);
    // RFC 6030 §6.1.1: HMAC over IV || ciphertext, i.e. the decoded CipherValue.
    add(parent, ns_pskc_, "ValueMAC", base64_encode(crypto::hmac(mac_alg_, mac_key_, cipher_value)));
    return {};
  }

  void write_plain(xmlNode* data, const char* name, const std::string& value) {
    add(add(data, ns_pskc_, name), ns_pskc_, "PlainValue", value);
  }

  Status write_key(xmlNode* root, const OathKey& key) {
    xmlNode* package = add(root, ns_pskc_, "KeyPackage");
    const DeviceInfo& d = key.device;
    if (!d.manufacturer.empty() || !d.serial_no.empty() || !d.model.empty() || !d.user_id.empty()) {
      // Schema order (RFC 6030 §4.3.1): Manufacturer, SerialNo, Model, IssueNo, DeviceBinding, dates, UserId.
      xmlNode* info = add(package, ns_pskc_, "DeviceInfo");
      if (!d.manufacturer.empty()) add(info, ns_pskc_, "Manufacturer", d.manufacturer);
      if (!d.serial_no.empty()) add(info, ns_pskc_, "SerialNo", d.serial_no);
      if (!d.model.empty()) add(info, ns_pskc_, "Model", d.model);
      if (!d.user_id.empty()) add(info, ns_pskc_, "UserId", d.user_id);
    }
    if (!key.crypto_module_id.empty())
      add(add(package, ns_pskc_, "CryptoModuleInfo"), ns_pskc_, "Id", key.crypto_module_id);

    xmlNode* k = add(package, ns_pskc_, "Key");
    xmlNewProp(k, X("Id"), X(key.id.c_str()));
    const std::string uri(key.algorithm == OtpAlgorithm::kHotp ? kHotpUri : kTotpUri);
    xmlNewProp(k, X("Algorithm"), X(uri.c_str()));
    // Key children in schema order: Issuer, AlgorithmParameters, KeyProfileId, KeyReference, FriendlyName,
    // Data, UserId, Policy.
    if (!key.issuer.empty()) add(k, ns_pskc_, "Issuer", key.issuer);
    xmlNode* params = add(k, ns_pskc_, "AlgorithmParameters");
    // The hash as Suite text ("sha256"), the form privacyIDEA's importer and python-pskc read; SHA-1, the
    // default of RFC 4226, is left implicit.
    if (key.hash != OtpHash::kSha1) add(params, ns_pskc_, "Suite", std::string(hash_name(key.hash)));
    xmlNode* format = add(params, ns_pskc_, "ResponseFormat");
    xmlNewProp(format, X("Encoding"), X("DECIMAL"));
    xmlNewProp(format, X("Length"), X(std::to_string(key.digits).c_str()));
    if (!key.friendly_name.empty()) add(k, ns_pskc_, "FriendlyName", key.friendly_name);

    xmlNode* data = add(k, ns_pskc_, "Data");
    KD_TRY(write_encrypted(add(data, ns_pskc_, "Secret"), key.secret));
    if (key.counter) {
      if (options_.encrypt_counter) {
        Bytes be;
        append_be64(be, *key.counter);  // 8 bytes: never mistaken for ASCII digits by python-pskc
        KD_TRY(write_encrypted(add(data, ns_pskc_, "Counter"), be));
      } else {
        write_plain(data, "Counter", std::to_string(*key.counter));
      }
    }
    if (key.time) write_plain(data, "Time", std::to_string(*key.time));
    if (key.time_interval) write_plain(data, "TimeInterval", std::to_string(*key.time_interval));
    if (key.time_drift) write_plain(data, "TimeDrift", std::to_string(*key.time_drift));
    if (!key.user_id.empty()) add(k, ns_pskc_, "UserId", key.user_id);
    const KeyPolicy& p = key.policy;
    if (!p.start_date.empty() || !p.expiry_date.empty() || p.number_of_transactions) {
      xmlNode* policy = add(k, ns_pskc_, "Policy");
      if (!p.start_date.empty()) add(policy, ns_pskc_, "StartDate", p.start_date);
      if (!p.expiry_date.empty()) add(policy, ns_pskc_, "ExpiryDate", p.expiry_date);
      if (p.number_of_transactions)
        add(policy, ns_pskc_, "NumberOfTransactions", std::to_string(*p.number_of_transactions));
    }
    return {};
  }

  const ExportProtection& protection_;
  const ExportOptions& options_;
  xml::Doc doc_;
  xmlNs* ns_pskc_ = nullptr;
  xmlNs* ns_ds_ = nullptr;
  xmlNs* ns_xenc_ = nullptr;
  xmlNs* ns_xenc11_ = nullptr;
  xmlNs* ns_pkcs5_ = nullptr;
  ValueCipher cipher_ = ValueCipher::kAes128Cbc;
  crypto::HashAlg mac_alg_ = crypto::HashAlg::kSha1;
  SecureBytes encryption_key_;
  SecureBytes mac_key_;
};

}  // namespace

Result<std::string> write_pskc(const Container& container, const ExportProtection& protection,
                               const ExportOptions& options) {
  Writer writer(protection, options);
  return writer.run(container);
}

}  // namespace keydesk::pskc
