// PSKC (RFC 6030, Portable Symmetric Key Container): import and export of OATH HOTP/TOTP credentials.
//
// read_pskc() turns a file into a Container of OathKeys, or into one typed Error that names the element
// and the key id; it never returns part of a file (all or nothing). write_pskc() produces a file whose
// secrets are always encrypted (AES-CBC + HMAC ValueMAC, RFC 6030 §6.1, with a pre-shared key or a
// PBKDF2 passphrase, §6.2). What is accepted and refused, and why, is in docs/pskc.md.
//
// Secrets never appear in errors: an Error's context names elements, attributes and key ids only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/secure_bytes.h"

namespace keydesk::pskc {

// XML namespaces (RFC 6030 §4, §6; XML Encryption 1.1 for DerivedKey).
inline constexpr std::string_view kNsPskc = "urn:ietf:params:xml:ns:keyprov:pskc";
inline constexpr std::string_view kNsDs = "http://www.w3.org/2000/09/xmldsig#";
inline constexpr std::string_view kNsXenc = "http://www.w3.org/2001/04/xmlenc#";
inline constexpr std::string_view kNsXenc11 = "http://www.w3.org/2009/xmlenc11#";
inline constexpr std::string_view kNsPkcs5 = "http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#";

// Algorithm profiles. HOTP is RFC 6030 §10.1. TOTP is not in RFC 6030: the keyprov algorithm-profiles
// draft wrote "...pskc#totp", vendors and privacyIDEA write "...pskc:totp". Both are read; "...pskc:totp"
// is written (privacyIDEA takes the token type from the text after the last ':').
inline constexpr std::string_view kHotpUri = "urn:ietf:params:xml:ns:keyprov:pskc:hotp";
inline constexpr std::string_view kTotpUri = "urn:ietf:params:xml:ns:keyprov:pskc:totp";
inline constexpr std::string_view kTotpDraftUri = "urn:ietf:params:xml:ns:keyprov:pskc#totp";

enum class OtpAlgorithm : uint8_t { kHotp, kTotp };
enum class OtpHash : uint8_t { kSha1, kSha256, kSha512 };  // HMAC hash of RFC 4226/6238

struct DeviceInfo {  // RFC 6030 §4.3.1 (the parts an OATH rollout uses)
  std::string manufacturer;
  std::string serial_no;
  std::string model;
  std::string user_id;
};

struct KeyPolicy {         // RFC 6030 §5; only what keydesk understands (anything else is refused)
  std::string start_date;  // xs:dateTime text as in the file, empty when absent
  std::string expiry_date;
  std::optional<uint64_t> number_of_transactions;
};

struct OathKey {
  std::string id;  // Key@Id, REQUIRED (§4.3.2)
  OtpAlgorithm algorithm = OtpAlgorithm::kHotp;
  OtpHash hash = OtpHash::kSha1;
  std::string issuer;
  std::string friendly_name;
  std::string user_id;  // Key/UserId
  DeviceInfo device;
  std::string crypto_module_id;
  unsigned digits = 6;  // ResponseFormat@Length, Encoding DECIMAL
  SecureBytes secret;
  // Data values (§4.4). HOTP keys should carry a Counter (§10.1); RFC 6030 Figure 7 has none, so absence is
  // kept as absence and the caller decides (provisioning starts such a key at 0 only if it says so).
  std::optional<uint64_t> counter;
  // Data/Time, carried verbatim: RFC 6030 §4.1 calls it the time for time-based algorithms, or with time
  // intervals the number of intervals from an algorithm-dependent start point; python-pskc names it
  // time_offset and privacyIDEA writes 0. This layer does not interpret it (docs/pskc.md).
  std::optional<uint64_t> time;
  std::optional<uint32_t> time_interval;  // seconds (TOTP step X)
  std::optional<int32_t> time_drift;      // in intervals, signed (§4.4)
  KeyPolicy policy;
};

struct Container {
  std::string id;  // KeyContainer@Id
  std::vector<OathKey> keys;
  // A ds:Signature was present. keydesk does not verify XML signatures; the file's own MACs protect the
  // encrypted values, and a plaintext file is only as trustworthy as the channel it came through.
  bool has_unverified_signature = false;
};

// What the caller knows to open an encrypted file. A file that needs what is not given is refused.
struct Decryption {
  std::optional<SecureBytes> preshared_key;  // raw AES key (16, 24 or 32 bytes) for EncryptionKey/KeyName
  std::optional<SecureString> passphrase;    // UTF-8 passphrase for EncryptionKey/DerivedKey (PBKDF2)
};

struct ReadLimits {
  size_t max_bytes = 64u << 20;               // whole file; about 1.2 KB per encrypted key
  size_t max_depth = 32;                      // element nesting (PSKC needs 8)
  size_t max_keys = 100000;                   // KeyPackages
  unsigned max_pbkdf2_iterations = 10000000;  // bounds the work a hostile file can demand
  size_t min_secret_bytes = 16;               // RFC 4226 R6 / RFC 6030 §10.1: at least 128 bits
};

// Error codes in Error::code for errors from this layer (kind says the class, code the exact reason).
enum class Code : uint32_t {
  kXml = 0x50530001,   // not well-formed XML, too large, too deep, or has a DOCTYPE (kMalformed)
  kStructure,          // PSKC structure or value invalid: missing/duplicate element, bad number (kMalformed)
  kBase64,             // invalid base64 (kMalformed)
  kUnsupported,        // well-formed but not something keydesk imports: algorithm, policy (kNotSupported)
  kKeyNeeded,          // encrypted file, the needed PSK or passphrase was not given (kUsage)
  kMissingMac,         // an encrypted value without a ValueMAC, or CBC without MACMethod (kRefused)
  kWrongKeyOrDamaged,  // MAC mismatch or bad padding/unwrap: wrong key, wrong passphrase or damaged file
                       // (kRefused); deliberately one code so no reader can tell the two apart
};

// True when `error` came from this layer with that code.
bool is(const Error& error, Code code);

Result<Container> read_pskc(std::string_view xml, const Decryption& decryption,
                            const ReadLimits& limits = {});

enum class ExportCipher : uint8_t { kAes128Cbc, kAes256Cbc };
enum class ExportMac : uint8_t { kHmacSha1, kHmacSha256 };

struct ExportProtection {
  // Exactly one of the two. The key name is written to ds:KeyName / xenc11:MasterKeyName (a label, not a
  // secret) so the recipient knows which key or passphrase to use.
  std::optional<SecureBytes> preshared_key;
  std::optional<SecureString> passphrase;
  std::string key_name;
};

struct ExportOptions {
  ExportCipher cipher = ExportCipher::kAes128Cbc;  // RFC 6030 §6.1: aes128-cbc is the RECOMMENDED choice
  ExportMac mac = ExportMac::kHmacSha1;  // §6.1.1: hmac-sha1 RECOMMENDED; privacyIDEA reads only it
  // PBKDF2-HMAC-SHA1 work factor. NIST SP 800-132 asks for as many iterations as are acceptable; OWASP's
  // password storage guidance (2023) names 1,300,000 for PBKDF2-HMAC-SHA1. It costs about 0.3 s once per
  // file on import, which a provisioning run pays gladly.
  unsigned pbkdf2_iterations = 1300000;
  size_t pbkdf2_salt_bytes = 16;
  // Counter as EncryptedValue (8-byte big-endian integer, read back by python-pskc) or PlainValue (the
  // default: privacyIDEA's importer reads only plain counters; a counter is not a secret).
  bool encrypt_counter = false;
  std::string container_id;  // KeyContainer@Id; empty = the Container's own id
};

// Every key needs an id, a secret and digits 6..9; HOTP keys need a counter. Secrets are always encrypted.
Result<std::string> write_pskc(const Container& container, const ExportProtection& protection,
                               const ExportOptions& options = {});

std::string_view algorithm_name(OtpAlgorithm algorithm);  // "hotp" / "totp"
std::string_view hash_name(OtpHash hash);                 // "sha1" / "sha256" / "sha512"

}  // namespace keydesk::pskc
