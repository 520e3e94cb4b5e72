// PSKC import (RFC 6030). The reader walks the document once, resolving the encryption key and the MAC
// key only when an encrypted value needs them, and returns either every key of the file or one error.
#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <set>

#include "crypto/digest.h"
#include "pskc/base64.h"
#include "pskc/pskc.h"
#include "pskc/value_crypto.h"
#include "pskc/xml.h"

namespace keydesk::pskc {

bool is(const Error& error, Code code) {
  return error.code == static_cast<uint32_t>(code) &&
         (error.kind == ErrorKind::kMalformed || error.kind == ErrorKind::kNotSupported ||
          error.kind == ErrorKind::kUsage || error.kind == ErrorKind::kRefused);
}

std::string_view algorithm_name(OtpAlgorithm algorithm) {
  return algorithm == OtpAlgorithm::kHotp ? "hotp" : "totp";
}

std::string_view hash_name(OtpHash hash) {
  switch (hash) {
    case OtpHash::kSha1:
      return "sha1";
    case OtpHash::kSha256:
      return "sha256";
    case OtpHash::kSha512:
      return "sha512";
  }
  return "sha1";
}

namespace {

constexpr std::string_view P = kNsPskc;
constexpr std::string_view kPbkdf2Uris[] = {
    // RFC 6030 Figure 7 and python-pskc write the PKCS #5 v2.0 XML namespace; RFC 6030 §6.2's prose spells
    // it ".../pkcs-5#pbkdf2"; XML Encryption 1.1 §5.4.2 defines its own. All name PBKDF2 (RFC 8018 §5.2).
    "http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2",
    "http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5#pbkdf2",
    "http://www.w3.org/2009/xmlenc11#pbkdf2",
};
constexpr size_t kMaxSecretBytes = 128;  // one HMAC-SHA-512 block; anything longer is not an OATH seed

Error malformed(std::string what) {
  return xml::structure_error(what);
}
Error unsupported(std::string what) {
  return Error::make(ErrorKind::kNotSupported, "PSKC: " + what, static_cast<uint32_t>(Code::kUnsupported));
}
Error bad_base64(std::string where) {
  return Error::make(ErrorKind::kMalformed, "PSKC: " + where + ": invalid base64",
                     static_cast<uint32_t>(Code::kBase64));
}
Error key_needed(std::string what) {
  return Error::make(ErrorKind::kUsage, "PSKC: " + what, static_cast<uint32_t>(Code::kKeyNeeded));
}
Error missing_mac(std::string what) {
  return Error::make(ErrorKind::kRefused, "PSKC: " + what, static_cast<uint32_t>(Code::kMissingMac));
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// xs:unsignedLong / xs:int lexical forms (optional sign, decimal digits, surrounding whitespace).
template <typename T>
std::optional<T> parse_integer(std::string_view raw) {
  std::string s = xml::trim(raw);
  std::string_view v = s;
  bool negative = false;
  if (!v.empty() && (v.front() == '+' || v.front() == '-')) {
    negative = v.front() == '-';
    v.remove_prefix(1);
  }
  if (!all_digits(v) || v.size() > 20) return std::nullopt;
  uint64_t magnitude = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), magnitude);
  if (ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  if constexpr (std::is_signed_v<T>) {
    const uint64_t limit = static_cast<uint64_t>(std::numeric_limits<T>::max()) + (negative ? 1 : 0);
    if (magnitude > limit) return std::nullopt;
    return negative ? static_cast<T>(-static_cast<int64_t>(magnitude)) : static_cast<T>(magnitude);
  } else {
    if (negative && magnitude != 0) return std::nullopt;
    if (magnitude > std::numeric_limits<T>::max()) return std::nullopt;
    return static_cast<T>(magnitude);
  }
}

// The child named `local` in any of the namespaces PBKDF2-params children appear in: none (RFC 6030
// Figure 7 and python-pskc write them unqualified), XML Encryption 1.1, or PKCS #5.
Result<xmlNode*> pbkdf2_child(const xmlNode* params, std::string_view local) {
  xmlNode* found = nullptr;
  for (std::string_view ns : {std::string_view(), kNsXenc11, kNsPkcs5}) {
    KD_ASSIGN_OR_RETURN(xmlNode * n, xml::optional_child(params, ns, local, "PBKDF2-params"));
    if (n != nullptr) {
      if (found != nullptr) return malformed("more than one " + std::string(local) + " in PBKDF2-params");
      found = n;
    }
  }
  return found;
}

class Reader {
 public:
  Reader(const Decryption& decryption, const ReadLimits& limits) : decryption_(decryption), limits_(limits) {}

  Result<Container> run(std::string_view input) {
    KD_ASSIGN_OR_RETURN(xml::Doc doc, xml::parse(input, limits_.max_bytes, limits_.max_depth));
    const xmlNode* root = xmlDocGetRootElement(doc.get());
    if (!xml::is(root, P, "KeyContainer")) {
      if (root->ns != nullptr && root->ns->href != nullptr &&
          std::string_view(reinterpret_cast<const char*>(root->ns->href)).starts_with(P))
        return unsupported("root element is in namespace " +
                           std::string(reinterpret_cast<const char*>(root->ns->href)) + ", not RFC 6030's " +
                           std::string(P) + " (a pre-RFC draft?)");
      return malformed("the root element is not KeyContainer in namespace " + std::string(P));
    }
    // RFC 6030 §4: Version is REQUIRED and this specification defines "1.0".
    const auto version = xml::attribute(root, "Version");
    if (!version) return malformed("KeyContainer has no Version attribute");
    if (xml::trim(*version) != "1.0")
      return unsupported("KeyContainer Version " + *version + " (only 1.0 is defined)");

    Container out;
    out.id = xml::attribute(root, "Id").value_or("");
    KD_ASSIGN_OR_RETURN(encryption_key_elem_, xml::optional_child(root, P, "EncryptionKey", "KeyContainer"));
    KD_ASSIGN_OR_RETURN(mac_method_elem_, xml::optional_child(root, P, "MACMethod", "KeyContainer"));
    if (encryption_key_elem_ != nullptr) KD_TRY(check_encryption_key_form());
    if (mac_method_elem_ != nullptr && !xml::attribute(mac_method_elem_, "Algorithm")) {
      // python-pskc 1.2 writes an Algorithm-less MACMethod (with a MACKey but no ValueMACs) for key-wrapped
      // files. It names no MAC, so none can be checked: treated as absent, which still refuses any CBC value
      // (it needs a MAC) and any ValueMAC (it needs a MACMethod); key wrap carries its own integrity check.
      mac_method_elem_ = nullptr;
    }
    if (mac_method_elem_ != nullptr) KD_TRY(read_mac_method_header());
    out.has_unverified_signature = !xml::children(root, kNsDs, "Signature").empty();

    const auto packages = xml::children(root, P, "KeyPackage");
    if (packages.size() > limits_.max_keys)
      return malformed("more than " + std::to_string(limits_.max_keys) + " KeyPackages");
    std::set<std::string> ids;
    for (size_t i = 0; i < packages.size(); ++i) {
      const auto keys = xml::children(packages[i], P, "Key");
      if (keys.size() > 1)
        return malformed("KeyPackage #" + std::to_string(i + 1) + " holds more than one Key (RFC 6030 §4.3)");
      if (keys.empty()) continue;  // device information only: nothing to import
      KD_ASSIGN_OR_RETURN(OathKey key, read_key(packages[i], keys.front(), i + 1));
      if (!ids.insert(key.id).second) return malformed("Key Id \"" + key.id + "\" appears more than once");
      out.keys.push_back(std::move(key));
    }
    if (out.keys.empty()) return malformed("the file holds no Key");
    return out;
  }

 private:
  // --- Encryption key (RFC 6030 §6.1 pre-shared key, §6.2 PBKDF2) ------------------------------------

  Status check_encryption_key_form() {
    const auto elems = xml::elements(encryption_key_elem_);
    for (xmlNode* e : elems) {
      if (xml::is(e, kNsDs, "KeyName")) {
        KD_ASSIGN_OR_RETURN(std::string name, xml::text(e, "EncryptionKey/KeyName"));
        key_name_ = xml::trim(name);
        psk_form_ = true;
      } else if (xml::is(e, kNsXenc11, "DerivedKey")) {
        derived_elem_ = e;
      } else if (xml::is(e, kNsDs, "X509Data") || xml::is(e, kNsXenc, "EncryptedKey")) {
        return unsupported(
            "EncryptionKey with a certificate or an encrypted key (RFC 6030 §6.3): only pre-shared "
            "keys and PBKDF2 passphrases are imported");
      } else {
        return unsupported(std::string("EncryptionKey child ") + reinterpret_cast<const char*>(e->name));
      }
    }
    if (derived_elem_ != nullptr && psk_form_)
      return malformed("EncryptionKey names both a KeyName and a DerivedKey");
    return {};
  }

  // The key that decrypts values, derived or taken from the caller once, on first use.
  Result<ByteView> encryption_key() {
    if (encryption_key_) return ByteView(*encryption_key_);
    if (derived_elem_ != nullptr) {
      KD_ASSIGN_OR_RETURN(SecureBytes key, derive_key());
      encryption_key_ = std::move(key);
    } else {
      if (!decryption_.preshared_key) {
        if (decryption_.passphrase && !psk_form_)
          return key_needed("the file is encrypted with a pre-shared key, not a passphrase");
        return key_needed("the file is encrypted with a pre-shared key" +
                          (key_name_.empty() ? std::string() : " named \"" + key_name_ + "\"") +
                          "; none was given");
      }
      encryption_key_ = *decryption_.preshared_key;
    }
    return ByteView(*encryption_key_);
  }

  Result<SecureBytes> derive_key() {
    const std::string where = "EncryptionKey/DerivedKey";
    KD_ASSIGN_OR_RETURN(xmlNode * method,
                        xml::required_child(derived_elem_, kNsXenc11, "KeyDerivationMethod", where));
    const std::string algorithm = xml::trim(xml::attribute(method, "Algorithm").value_or(""));
    if (std::find(std::begin(kPbkdf2Uris), std::end(kPbkdf2Uris), algorithm) == std::end(kPbkdf2Uris))
      return unsupported(where + ": key derivation " + (algorithm.empty() ? "(none)" : algorithm) +
                         " (only PBKDF2)");
    xmlNode* params = nullptr;
    for (std::string_view ns : {kNsPkcs5, kNsXenc11}) {
      KD_ASSIGN_OR_RETURN(xmlNode * p, xml::optional_child(method, ns, "PBKDF2-params", where));
      if (p != nullptr) {
        if (params != nullptr) return malformed(where + ": more than one PBKDF2-params");
        params = p;
      }
    }
    if (params == nullptr) return malformed(where + ": missing PBKDF2-params");
    KD_ASSIGN_OR_RETURN(xmlNode * salt, pbkdf2_child(params, "Salt"));
    if (salt == nullptr) return malformed(where + ": missing Salt");
    KD_ASSIGN_OR_RETURN(xmlNode * specified, pbkdf2_child(salt, "Specified"));
    if (specified == nullptr)
      return unsupported(where + ": Salt without Specified (OtherSource is not supported)");
    KD_ASSIGN_OR_RETURN(std::string salt_text, xml::text(specified, "Salt/Specified"));
    auto salt_bytes = base64_decode(salt_text);
    if (!salt_bytes) return bad_base64(where + "/Salt/Specified");
    // RFC 8018 §4.1: a salt of at least eight octets.
    if (salt_bytes->size() < 8 || salt_bytes->size() > 1024)
      return malformed(where + ": salt of " + std::to_string(salt_bytes->size()) +
                       " bytes (8..1024 accepted)");

    KD_ASSIGN_OR_RETURN(xmlNode * count_elem, pbkdf2_child(params, "IterationCount"));
    if (count_elem == nullptr) return malformed(where + ": missing IterationCount");
    KD_ASSIGN_OR_RETURN(std::string count_text, xml::text(count_elem, "IterationCount"));
    const auto iterations = parse_integer<uint32_t>(count_text);
    if (!iterations || *iterations == 0)
      return malformed(where + ": IterationCount is not a positive integer");
    if (*iterations > limits_.max_pbkdf2_iterations)
      return unsupported(where + ": IterationCount " + std::to_string(*iterations) +
                         " exceeds the limit of " + std::to_string(limits_.max_pbkdf2_iterations));

    KD_ASSIGN_OR_RETURN(xmlNode * length_elem, pbkdf2_child(params, "KeyLength"));
    if (length_elem == nullptr) return malformed(where + ": missing KeyLength");
    KD_ASSIGN_OR_RETURN(std::string length_text, xml::text(length_elem, "KeyLength"));
    const auto key_length = parse_integer<uint32_t>(length_text);
    if (!key_length || (*key_length != 16 && *key_length != 24 && *key_length != 32))
      return malformed(where + ": KeyLength must be 16, 24 or 32 (an AES key)");

    crypto::HashAlg prf = crypto::HashAlg::kSha1;  // RFC 8018 §5.2 / Appendix A.2: default PRF HMAC-SHA1
    KD_ASSIGN_OR_RETURN(xmlNode * prf_elem, pbkdf2_child(params, "PRF"));
    if (prf_elem != nullptr) {
      const std::string prf_uri = xml::trim(xml::attribute(prf_elem, "Algorithm").value_or(""));
      if (!prf_uri.empty()) {
        auto alg = mac_from_uri(prf_uri);
        if (!alg) return unsupported(where + ": PBKDF2 PRF " + prf_uri);
        prf = *alg;
      }
    }
    if (!decryption_.passphrase)
      return key_needed("the file is encrypted with a passphrase (PBKDF2); none was given");
    Bytes derived =
        crypto::pbkdf2(prf, decryption_.passphrase->bytes(), *salt_bytes, *iterations, *key_length);
    SecureBytes out(derived.begin(), derived.end());
    wipe(derived);
    return out;
  }

  // --- MAC (RFC 6030 §6.1.1) ---------------------------------------------------------------------------

  Status read_mac_method_header() {
    const std::string uri = xml::trim(xml::attribute(mac_method_elem_, "Algorithm").value_or(""));
    auto alg = mac_from_uri(uri);
    if (!alg) return unsupported("MACMethod Algorithm " + (uri.empty() ? std::string("(none)") : uri));
    mac_alg_ = *alg;
    KD_ASSIGN_OR_RETURN(mac_key_elem_, xml::optional_child(mac_method_elem_, P, "MACKey", "MACMethod"));
    if (mac_key_elem_ == nullptr) {
      if (!xml::children(mac_method_elem_, P, "MACKeyReference").empty())
        return unsupported("MACMethod/MACKeyReference (a MAC key agreed out of band)");
      // python-pskc would then MAC with the encryption key; RFC 6030 §6.1.1 wants the MAC key in the file.
      return malformed("MACMethod without MACKey");
    }
    return {};
  }

  Result<ByteView> mac_key() {
    if (mac_key_) return ByteView(*mac_key_);
    // The MAC key is itself encrypted and carries no MAC (RFC 6030 §6.1.1): its decryption is the one
    // place where a padding check comes first. Its failure reads exactly like a MAC failure.
    KD_ASSIGN_OR_RETURN(SecureBytes key, decrypt_encrypted(mac_key_elem_, "MACMethod/MACKey"));
    if (key.size() < 16 || key.size() > 128)
      return malformed("MACMethod/MACKey: a MAC key of " + std::to_string(key.size()) +
                       " bytes (16..128 accepted)");
    mac_key_ = std::move(key);
    return ByteView(*mac_key_);
  }

  // --- Values ----------------------------------------------------------------------------------------

  // Decrypts an element holding xenc:EncryptionMethod + xenc:CipherData (EncryptedValue, MACKey). When
  // `value_mac` is given, it is verified over IV || ciphertext before anything is decrypted.
  Result<SecureBytes> decrypt_encrypted(const xmlNode* elem, const std::string& where,
                                        const xmlNode* value_mac = nullptr) {
    KD_ASSIGN_OR_RETURN(xmlNode * method, xml::required_child(elem, kNsXenc, "EncryptionMethod", where));
    const std::string uri = xml::trim(xml::attribute(method, "Algorithm").value_or(""));
    auto cipher = value_cipher_from_uri(uri);
    if (!cipher)
      return unsupported(where + ": encryption algorithm " + (uri.empty() ? std::string("(none)") : uri));
    KD_ASSIGN_OR_RETURN(xmlNode * data, xml::required_child(elem, kNsXenc, "CipherData", where));
    KD_ASSIGN_OR_RETURN(xmlNode * value,
                        xml::optional_child(data, kNsXenc, "CipherValue", where + "/CipherData"));
    if (value == nullptr) {
      if (!xml::children(data, kNsXenc, "CipherReference").empty())
        return unsupported(where + ": CipherReference (values stored outside the file)");
      return malformed("missing CipherValue in " + where + "/CipherData");
    }
    KD_ASSIGN_OR_RETURN(std::string cipher_text, xml::text(value, where + "/CipherValue"));
    auto cipher_value = base64_decode(cipher_text);
    if (!cipher_value) return bad_base64(where + "/CipherValue");
    KD_TRY(check_cipher_value_length(*cipher, cipher_value->size(), where + "/CipherValue"));

    KD_ASSIGN_OR_RETURN(ByteView key, encryption_key());
    if (key.size() != value_cipher_key_size(*cipher)) {
      if (derived_elem_ != nullptr)
        return malformed(where + ": PBKDF2 KeyLength " + std::to_string(key.size()) + " does not fit " + uri);
      return Error::make(ErrorKind::kUsage,
                         "PSKC: the pre-shared key is " + std::to_string(key.size()) + " bytes; " + uri +
                             " needs " + std::to_string(value_cipher_key_size(*cipher)),
                         static_cast<uint32_t>(Code::kKeyNeeded));
    }
    if (value_mac != nullptr) {
      KD_ASSIGN_OR_RETURN(std::string mac_text, xml::text(value_mac, where + "/ValueMAC"));
      auto expected = base64_decode(mac_text);
      if (!expected) return bad_base64(where + "/ValueMAC");
      KD_ASSIGN_OR_RETURN(ByteView mk, mac_key());
      // RFC 6030 §6.1.1 / Figure 6: the MAC covers the CipherValue as decoded, i.e. IV || ciphertext.
      Bytes actual = crypto::hmac(mac_alg_, mk, *cipher_value);
      if (!equal_ct(actual, *expected)) return wrong_key_or_damaged(where);
    }
    return decrypt_value(*cipher, key, *cipher_value, where);
  }

  // A Data child (Secret, Counter, ...): PlainValue, or EncryptedValue with its ValueMAC.
  struct RawValue {
    bool encrypted = false;
    SecureBytes bytes;  // decrypted bytes, when encrypted
    SecureString text;  // PlainValue text, when plain
  };

  Result<RawValue> read_value(const xmlNode* elem, const std::string& where) {
    const xmlNode* plain = nullptr;
    const xmlNode* encrypted = nullptr;
    const xmlNode* value_mac = nullptr;
    for (xmlNode* c : xml::elements(elem)) {
      const xmlNode** slot = xml::is(c, P, "PlainValue")       ? &plain
                             : xml::is(c, P, "EncryptedValue") ? &encrypted
                             : xml::is(c, P, "ValueMAC")       ? &value_mac
                                                               : nullptr;
      if (slot == nullptr)
        return malformed(where + ": unexpected element " + reinterpret_cast<const char*>(c->name));
      if (*slot != nullptr)
        return malformed(where + ": more than one " + reinterpret_cast<const char*>(c->name));
      *slot = c;
    }
    RawValue out;
    if ((plain == nullptr) == (encrypted == nullptr))
      return malformed(where + ": needs exactly one of PlainValue and EncryptedValue");
    if (plain != nullptr) {
      if (value_mac != nullptr) return malformed(where + ": ValueMAC with a PlainValue");
      KD_ASSIGN_OR_RETURN(out.text, xml::secret_text(plain, where + "/PlainValue"));
      return out;
    }
    out.encrypted = true;
    const std::string ewhere = where + "/EncryptedValue";
    KD_ASSIGN_OR_RETURN(xmlNode * method,
                        xml::required_child(encrypted, kNsXenc, "EncryptionMethod", ewhere));
    const auto cipher = value_cipher_from_uri(xml::trim(xml::attribute(method, "Algorithm").value_or("")));
    // keydesk is stricter than RFC 6030 readers such as python-pskc 1.2, which decrypt silently when a
    // ValueMAC is missing: with a MACMethod every encrypted value must carry its MAC, and CBC values (no
    // integrity of their own, §6.1.1) are refused without one.
    if (mac_method_elem_ != nullptr) {
      if (value_mac == nullptr)
        return missing_mac(where +
                           ": encrypted value without ValueMAC although the file declares a MACMethod");
    } else if (value_mac != nullptr) {
      return malformed(where + ": ValueMAC but no MACMethod in the KeyContainer");
    } else if (cipher && value_cipher_needs_mac(*cipher)) {
      return missing_mac(where + ": CBC-encrypted value without MACMethod and ValueMAC (RFC 6030 §6.1.1)");
    }
    KD_ASSIGN_OR_RETURN(out.bytes, decrypt_encrypted(encrypted, ewhere, value_mac));
    return out;
  }

  Result<SecureBytes> read_binary(const xmlNode* elem, const std::string& where) {
    KD_ASSIGN_OR_RETURN(RawValue raw, read_value(elem, where));
    if (raw.encrypted) return std::move(raw.bytes);
    auto bytes = base64_decode_secure(raw.text.view());
    if (!bytes) return bad_base64(where + "/PlainValue");
    return std::move(*bytes);
  }

  template <typename T>
  Result<T> read_integer(const xmlNode* elem, const std::string& where) {
    KD_ASSIGN_OR_RETURN(RawValue raw, read_value(elem, where));
    std::optional<T> v;
    if (!raw.encrypted) {
      v = parse_integer<T>(raw.text.view());
    } else {
      // RFC 6030 does not fix how an encrypted integer is encoded. python-pskc 1.2 writes minimal
      // big-endian bytes and reads ASCII digits first, big-endian otherwise; the same rule here keeps
      // keydesk and such a validation server reading the same number from the same file.
      const std::string_view as_text(reinterpret_cast<const char*>(raw.bytes.data()), raw.bytes.size());
      if (all_digits(as_text) ||
          (as_text.size() > 1 && as_text.front() == '-' && all_digits(as_text.substr(1)))) {
        v = parse_integer<T>(as_text);
      } else if (!raw.bytes.empty() && raw.bytes.size() <= sizeof(T)) {
        uint64_t acc = 0;
        for (uint8_t b : raw.bytes) acc = (acc << 8) | b;
        if (acc <= static_cast<uint64_t>(std::numeric_limits<T>::max())) v = static_cast<T>(acc);
      }
    }
    if (!v) return malformed(where + ": not an integer in range");
    return *v;
  }

  // --- Keys ------------------------------------------------------------------------------------------

  Result<OathKey> read_key(const xmlNode* package, const xmlNode* key_elem, size_t index) {
    OathKey key;
    const auto id = xml::attribute(key_elem, "Id");
    if (!id || xml::trim(*id).empty())
      return malformed("Key in KeyPackage #" + std::to_string(index) +
                       " has no Id (REQUIRED, RFC 6030 §4.3.2)");
    key.id = xml::trim(*id);
    const std::string k = "Key " + key.id;

    const std::string uri = xml::trim(xml::attribute(key_elem, "Algorithm").value_or(""));
    if (uri == kHotpUri) {
      key.algorithm = OtpAlgorithm::kHotp;
    } else if (uri == kTotpUri || uri == kTotpDraftUri) {
      key.algorithm = OtpAlgorithm::kTotp;
    } else {
      return unsupported(k + ": algorithm " + (uri.empty() ? std::string("(none)") : uri) +
                         " (only OATH HOTP and TOTP keys are imported)");
    }

    // Device information (§4.3.1).
    KD_ASSIGN_OR_RETURN(xmlNode * device, xml::optional_child(package, P, "DeviceInfo", "KeyPackage"));
    if (device != nullptr) {
      KD_TRY(read_text_child(device, "Manufacturer", k + ": DeviceInfo", key.device.manufacturer));
      KD_TRY(read_text_child(device, "SerialNo", k + ": DeviceInfo", key.device.serial_no));
      KD_TRY(read_text_child(device, "Model", k + ": DeviceInfo", key.device.model));
      KD_TRY(read_text_child(device, "UserId", k + ": DeviceInfo", key.device.user_id));
    }
    KD_ASSIGN_OR_RETURN(xmlNode * module, xml::optional_child(package, P, "CryptoModuleInfo", "KeyPackage"));
    if (module != nullptr)
      KD_TRY(read_text_child(module, "Id", k + ": CryptoModuleInfo", key.crypto_module_id));

    KD_TRY(read_text_child(key_elem, "Issuer", k, key.issuer));
    KD_TRY(read_text_child(key_elem, "FriendlyName", k, key.friendly_name));
    KD_TRY(read_text_child(key_elem, "UserId", k, key.user_id));
    for (const char* server_side : {"KeyProfileId", "KeyReference"})
      if (!xml::children(key_elem, P, server_side).empty())
        return unsupported(k + ": " + server_side +
                           " (keys derived from a master key on the server, RFC 6030 §4.3.2)");

    KD_TRY(read_data(key_elem, k, key));
    KD_TRY(read_algorithm_parameters(key_elem, k, key));
    KD_TRY(read_policy(key_elem, k, key));
    return key;
  }

  Status read_text_child(const xmlNode* parent, const char* local, const std::string& where,
                         std::string& out) {
    KD_ASSIGN_OR_RETURN(xmlNode * n, xml::optional_child(parent, P, local, where));
    if (n == nullptr) return {};
    KD_ASSIGN_OR_RETURN(std::string t, xml::text(n, where + "/" + local));
    out = xml::trim(t);
    return {};
  }

  Status read_algorithm_parameters(const xmlNode* key_elem, const std::string& k, OathKey& key) {
    KD_ASSIGN_OR_RETURN(xmlNode * params, xml::optional_child(key_elem, P, "AlgorithmParameters", k));
    // RFC 6030 §10.1 (HOTP profile): ResponseFormat MUST be present; the TOTP profiles follow it.
    if (params == nullptr) return malformed(k + ": missing AlgorithmParameters/ResponseFormat (digits)");
    const std::string where = k + ": AlgorithmParameters";
    KD_ASSIGN_OR_RETURN(xmlNode * suite, xml::optional_child(params, P, "Suite", where));
    if (suite != nullptr) KD_TRY(read_suite(suite, where, key));
    if (!xml::children(params, P, "ChallengeFormat").empty())
      return unsupported(where + ": ChallengeFormat (challenge-response keys are not OATH HOTP/TOTP)");
    KD_ASSIGN_OR_RETURN(xmlNode * format, xml::required_child(params, P, "ResponseFormat", where));
    const std::string encoding = xml::trim(xml::attribute(format, "Encoding").value_or(""));
    if (encoding.empty()) return malformed(where + "/ResponseFormat: missing Encoding");
    if (encoding != "DECIMAL")
      return unsupported(where + "/ResponseFormat: Encoding " + encoding + " (only DECIMAL)");
    const auto check = xml::attribute(format, "CheckDigits");
    if (check && (xml::trim(*check) == "true" || xml::trim(*check) == "1"))
      return unsupported(where + "/ResponseFormat: CheckDigits (a Luhn digit no OATH token appends)");
    const auto length = xml::attribute(format, "Length");
    if (!length) return malformed(where + "/ResponseFormat: missing Length");
    const auto digits = parse_integer<uint32_t>(*length);
    if (!digits) return malformed(where + "/ResponseFormat: Length is not a number");
    // RFC 4226 §5.3 / RFC 6030 §10.1: 6 to 9 digits.
    if (*digits < 6 || *digits > 9)
      return unsupported(where + "/ResponseFormat: Length " + std::to_string(*digits) + " (6..9)");
    key.digits = *digits;
    return {};
  }

  // The HMAC hash. RFC 6030 leaves Suite free-form; files in the wild say "sha256" (Feitian),
  // "HMAC-SHA256" (multiOTP) or <Suite hashalgo="sha256"/> (privacyIDEA's export).
  Status read_suite(const xmlNode* suite, const std::string& where, OathKey& key) {
    auto normalise = [](std::string s) {
      s = xml::trim(s);
      std::string out;
      for (char c : s)
        if (c != '-' && c != '_')
          out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      if (out.starts_with("hmac")) out.erase(0, 4);
      return out;
    };
    KD_ASSIGN_OR_RETURN(std::string text, xml::text(suite, where + "/Suite"));
    const std::string from_text = normalise(text);
    const std::string from_attr = normalise(xml::attribute(suite, "hashalgo").value_or(""));
    if (!from_text.empty() && !from_attr.empty() && from_text != from_attr)
      return malformed(where + "/Suite: the text and the hashalgo attribute disagree");
    const std::string name = from_text.empty() ? from_attr : from_text;
    if (name.empty() || name == "sha1")
      key.hash = OtpHash::kSha1;
    else if (name == "sha256")
      key.hash = OtpHash::kSha256;
    else if (name == "sha512")
      key.hash = OtpHash::kSha512;
    else
      return unsupported(where + "/Suite: hash \"" + xml::trim(from_text.empty() ? from_attr : text) +
                         "\" (sha1, sha256, sha512)");
    return {};
  }

  Status read_data(const xmlNode* key_elem, const std::string& k, OathKey& key) {
    KD_ASSIGN_OR_RETURN(xmlNode * data, xml::optional_child(key_elem, P, "Data", k));
    if (data == nullptr) return malformed(k + ": missing Data/Secret");
    const std::string where = k + ": Data";
    for (const char* local : {"Secret", "Counter", "Time", "TimeInterval", "TimeDrift"})
      if (xml::children(data, P, local).size() > 1) return malformed(where + ": more than one " + local);

    KD_ASSIGN_OR_RETURN(xmlNode * secret, xml::optional_child(data, P, "Secret", where));
    if (secret == nullptr) return malformed(where + ": missing Secret");
    KD_ASSIGN_OR_RETURN(key.secret, read_binary(secret, where + "/Secret"));
    if (key.secret.size() < limits_.min_secret_bytes)
      return unsupported(where + "/Secret: " + std::to_string(key.secret.size()) + " bytes; at least " +
                         std::to_string(limits_.min_secret_bytes) +
                         " required (RFC 4226 R6, RFC 6030 §10.1)");
    if (key.secret.size() > kMaxSecretBytes)
      return unsupported(where + "/Secret: " + std::to_string(key.secret.size()) + " bytes (at most " +
                         std::to_string(kMaxSecretBytes) + ")");

    KD_ASSIGN_OR_RETURN(xmlNode * counter, xml::optional_child(data, P, "Counter", where));
    if (counter != nullptr) {
      KD_ASSIGN_OR_RETURN(key.counter, read_integer<uint64_t>(counter, where + "/Counter"));
    }
    KD_ASSIGN_OR_RETURN(xmlNode * time, xml::optional_child(data, P, "Time", where));
    if (time != nullptr) {
      KD_ASSIGN_OR_RETURN(key.time, read_integer<uint64_t>(time, where + "/Time"));
    }
    KD_ASSIGN_OR_RETURN(xmlNode * interval, xml::optional_child(data, P, "TimeInterval", where));
    if (interval != nullptr) {
      KD_ASSIGN_OR_RETURN(uint32_t v, read_integer<uint32_t>(interval, where + "/TimeInterval"));
      if (v == 0) return malformed(where + "/TimeInterval: 0 seconds");
      key.time_interval = v;
    }
    KD_ASSIGN_OR_RETURN(xmlNode * drift, xml::optional_child(data, P, "TimeDrift", where));
    if (drift != nullptr) {
      KD_ASSIGN_OR_RETURN(key.time_drift, read_integer<int32_t>(drift, where + "/TimeDrift"));
    }
    return {};
  }

  // RFC 6030 §5: "a recipient that does not understand a Policy element or value MUST assume that the key
  // may not be used": anything here keydesk cannot honour refuses the file.
  Status read_policy(const xmlNode* key_elem, const std::string& k, OathKey& key) {
    KD_ASSIGN_OR_RETURN(xmlNode * policy, xml::optional_child(key_elem, P, "Policy", k));
    if (policy == nullptr) return {};
    const std::string where = k + ": Policy";
    bool usage_listed = false, otp_allowed = false;
    for (xmlNode* c : xml::elements(policy)) {
      const std::string name = reinterpret_cast<const char*>(c->name);
      if (!xml::is(c, P, name)) return unsupported(where + ": element " + name + " from another namespace");
      if (name == "StartDate" || name == "ExpiryDate") {
        KD_ASSIGN_OR_RETURN(std::string t, xml::text(c, where + "/" + name));
        (name == "StartDate" ? key.policy.start_date : key.policy.expiry_date) = xml::trim(t);
      } else if (name == "NumberOfTransactions") {
        KD_ASSIGN_OR_RETURN(std::string t, xml::text(c, where + "/" + name));
        key.policy.number_of_transactions = parse_integer<uint64_t>(t);
        if (!key.policy.number_of_transactions)
          return malformed(where + "/NumberOfTransactions: not a number");
      } else if (name == "KeyUsage") {
        KD_ASSIGN_OR_RETURN(std::string t, xml::text(c, where + "/KeyUsage"));
        usage_listed = true;
        otp_allowed = otp_allowed || xml::trim(t) == "OTP";
      } else if (name == "PINPolicy") {
        return unsupported(where + "/PINPolicy: a per-key PIN that an OATH token cannot enforce");
      } else {
        return unsupported(where + ": " + name +
                           " is not understood, so the key may not be used (RFC 6030 §5)");
      }
    }
    if (usage_listed && !otp_allowed) return unsupported(where + ": KeyUsage does not include OTP");
    return {};
  }

  const Decryption& decryption_;
  const ReadLimits& limits_;
  xmlNode* encryption_key_elem_ = nullptr;
  xmlNode* derived_elem_ = nullptr;
  xmlNode* mac_method_elem_ = nullptr;
  xmlNode* mac_key_elem_ = nullptr;
  bool psk_form_ = false;
  std::string key_name_;
  crypto::HashAlg mac_alg_ = crypto::HashAlg::kSha1;
  std::optional<SecureBytes> encryption_key_;
  std::optional<SecureBytes> mac_key_;
};

}  // namespace

Result<Container> read_pskc(std::string_view xml_text, const Decryption& decryption,
                            const ReadLimits& limits) {
  Reader reader(decryption, limits);
  return reader.run(xml_text);
}

}  // namespace keydesk::pskc
