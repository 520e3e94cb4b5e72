// PSKC (RFC 6030) import/export: the RFC's figures with their published values, round trips, and every
// refusal (each must return an error and no keys).
#include "pskc/pskc.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "crypto/digest.h"
#include "pskc/base64.h"
#include "pskc/value_crypto.h"

namespace keydesk::pskc {
namespace {

std::string load(const std::string& name) {
  std::ifstream in(std::string(PSKC_TEST_DATA_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Bytes hex(std::string_view h) {
  return from_hex(h).value();
}
SecureBytes shex(std::string_view h) {
  return secure_copy(hex(h));
}
std::string str(const SecureBytes& b) {
  return std::string(b.begin(), b.end());
}

void replace(std::string& s, std::string_view from, std::string_view to) {
  const auto at = s.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  s.replace(at, from.size(), to);
}

// RFC 4226 §5.3 HOTP (with RFC 6238's hash choice), to show an imported seed computes the published codes.
std::string hotp(const SecureBytes& secret, uint64_t counter, unsigned digits,
                 OtpHash hash = OtpHash::kSha1) {
  Bytes msg;
  append_be64(msg, counter);
  const auto alg = hash == OtpHash::kSha1     ? crypto::HashAlg::kSha1
                   : hash == OtpHash::kSha256 ? crypto::HashAlg::kSha256
                                              : crypto::HashAlg::kSha512;
  const Bytes mac = crypto::hmac(alg, secret, msg);
  const size_t off = mac.back() & 0x0F;
  const uint32_t bin = read_be32(ByteView(mac).subspan(off, 4)) & 0x7FFFFFFF;
  uint64_t mod = 1;
  for (unsigned i = 0; i < digits; ++i) mod *= 10;
  std::string code = std::to_string(bin % mod);
  return std::string(digits - code.size(), '0') + code;
}

const SecureBytes kFigure6Psk = shex("12345678901234567890123456789012");
constexpr std::string_view kRfc4226Secret = "12345678901234567890";

Decryption psk(const SecureBytes& key) {
  return Decryption{key, std::nullopt};
}
Decryption passphrase(std::string_view p) {
  return Decryption{std::nullopt, SecureString(p)};
}

// A refusal: no keys, and the error carries this layer's code.
void expect_refused(const Result<Container>& r, Code code, std::string_view mentions = {}) {
  ASSERT_FALSE(r.ok()) << "imported " << r->keys.size() << " keys";
  EXPECT_TRUE(is(r.error(), code)) << describe(r.error());
  if (!mentions.empty()) {
    EXPECT_NE(r.error().context.find(mentions), std::string::npos) << r.error().context;
  }
  // Secrets never reach an error: neither the RFC 4226 seed nor its base64 nor its hex.
  EXPECT_EQ(r.error().context.find("MTIzNDU2"), std::string::npos);
  EXPECT_EQ(r.error().context.find("12345678901234567890"), std::string::npos);
  EXPECT_EQ(r.error().context.find("3132333435"), std::string::npos);
}

// ---- RFC 6030 figures ----------------------------------------------------------------------------------

TEST(PskcRfc6030, Figure3PlaintextWithSupplementaryInformation) {
  auto r = read_pskc(load("figure3.xml"), {});
  ASSERT_TRUE(r.ok()) << describe(r.error());
  EXPECT_EQ(r->id, "exampleID1");
  ASSERT_EQ(r->keys.size(), 1u);
  const OathKey& k = r->keys[0];
  EXPECT_EQ(k.id, "12345678");
  EXPECT_EQ(k.algorithm, OtpAlgorithm::kHotp);
  EXPECT_EQ(k.hash, OtpHash::kSha1);
  EXPECT_EQ(k.issuer, "Issuer");
  EXPECT_EQ(k.device.manufacturer, "Manufacturer");
  EXPECT_EQ(k.device.serial_no, "987654321");
  EXPECT_EQ(k.device.user_id, "DC=example-bank,DC=net");
  EXPECT_EQ(k.crypto_module_id, "CM_ID_001");
  EXPECT_EQ(k.user_id, "UID=jsmith,DC=example-bank,DC=net");
  EXPECT_EQ(k.digits, 8u);
  EXPECT_EQ(str(k.secret), kRfc4226Secret);
  EXPECT_EQ(k.counter, std::optional<uint64_t>(0));
  // RFC 4226 Appendix D, counter 0: 1284755224 -> 84755224 with the figure's 8 digits.
  EXPECT_EQ(hotp(k.secret, 0, 8), "84755224");
  EXPECT_FALSE(r->has_unverified_signature);
}

TEST(PskcRfc6030, Figure6PreSharedKeyMacKeyAndSecret) {
  // The MAC key inside MACMethod/MACKey decrypts to the published value under the published PSK.
  const auto mac_cv =
      base64_decode("ESIzRFVmd4iZABEiM0RVZgKn6WjLaTC1sbeBMSvIhRejN9vJa2BOlSaMrR7I5wSX").value();
  EXPECT_EQ(Bytes(mac_cv.begin(), mac_cv.begin() + 16), hex("11223344556677889900112233445566"));  // the IV
  auto mac_key = decrypt_value(ValueCipher::kAes128Cbc, kFigure6Psk, mac_cv, "MACKey");
  ASSERT_TRUE(mac_key.ok());
  EXPECT_EQ(to_hex(Bytes(mac_key->begin(), mac_key->end())), "1122334455667788990011223344556677889900");
  // ValueMAC = HMAC-SHA1(MAC key, IV || ciphertext), not over the plaintext.
  const auto secret_cv =
      base64_decode("AAECAwQFBgcICQoLDA0OD+cIHItlB3Wra1DUpxVvOx2lef1VmNPCMl8jwZqIUqGv").value();
  EXPECT_EQ(base64_encode(crypto::hmac(crypto::HashAlg::kSha1, *mac_key, secret_cv)),
            "Su+NvtQfmvfJzF6bmQiJqoLRExc=");

  auto r = read_pskc(load("figure6.xml"), psk(kFigure6Psk));
  ASSERT_TRUE(r.ok()) << describe(r.error());
  ASSERT_EQ(r->keys.size(), 1u);
  const OathKey& k = r->keys[0];
  EXPECT_EQ(k.id, "12345678");
  EXPECT_EQ(k.issuer, "Issuer");
  EXPECT_EQ(k.device.manufacturer, "Manufacturer");
  EXPECT_EQ(k.device.serial_no, "987654321");
  EXPECT_EQ(k.crypto_module_id, "CM_ID_001");
  EXPECT_EQ(k.digits, 8u);
  EXPECT_EQ(str(k.secret), kRfc4226Secret);
  EXPECT_EQ(k.counter, std::optional<uint64_t>(0));
  EXPECT_EQ(hotp(k.secret, 0, 6), "755224");
}

TEST(PskcRfc6030, Figure7Pbkdf2Passphrase) {
  // PBKDF2-HMAC-SHA1("qwerty", 123eff3c4a72129c, 1000, 16) is the published derived key, and the MAC key
  // decrypts under it.
  const Bytes derived =
      crypto::pbkdf2(crypto::HashAlg::kSha1, bytes_of("qwerty"), hex("123eff3c4a72129c"), 1000, 16);
  EXPECT_EQ(to_hex(derived), "651e63cd57008476af1ff6422cd02e41");
  const auto mac_cv =
      base64_decode("2GTTnLwM3I4e5IO5FkufoOEiOhNj91fhKRQBtBJYluUDsPOLTfUvoU2dStyOwYZx").value();
  auto mac_key = decrypt_value(ValueCipher::kAes128Cbc, derived, mac_cv, "MACKey");
  ASSERT_TRUE(mac_key.ok());
  EXPECT_EQ(to_hex(Bytes(mac_key->begin(), mac_key->end())), "bdaab8d648e850d25a3289364f7d7eaaf53ce581");

  auto r = read_pskc(load("figure7.xml"), passphrase("qwerty"));
  ASSERT_TRUE(r.ok()) << describe(r.error());
  ASSERT_EQ(r->keys.size(), 1u);
  const OathKey& k = r->keys[0];
  EXPECT_EQ(k.id, "123456");
  EXPECT_EQ(k.issuer, "Example-Issuer");
  EXPECT_EQ(k.device.manufacturer, "TokenVendorAcme");
  EXPECT_EQ(k.device.serial_no, "987654321");
  EXPECT_EQ(k.digits, 8u);
  EXPECT_EQ(str(k.secret), kRfc4226Secret);
  EXPECT_FALSE(k.counter.has_value());  // Figure 7 carries no Counter: absence is reported, not invented
}

TEST(PskcRfc6030, Figure10BulkProvisioning) {
  auto r = read_pskc(load("figure10.xml"), {});
  ASSERT_TRUE(r.ok()) << describe(r.error());
  ASSERT_EQ(r->keys.size(), 4u);
  const char* serials[] = {"654321", "123456", "9999999", "9999999"};
  const char* starts[] = {"2006-05-01T00:00:00Z", "2006-05-01T00:00:00Z", "2006-03-01T00:00:00Z",
                          "2006-04-01T00:00:00Z"};
  const char* ends[] = {"2006-05-31T00:00:00Z", "2006-05-31T00:00:00Z", "2006-03-31T00:00:00Z",
                        "2006-04-30T00:00:00Z"};
  for (size_t i = 0; i < 4; ++i) {
    const OathKey& k = r->keys[i];
    EXPECT_EQ(k.id, std::to_string(i + 1));
    EXPECT_EQ(k.device.manufacturer, "TokenVendorAcme");
    EXPECT_EQ(k.device.serial_no, serials[i]);
    EXPECT_EQ(k.issuer, "Issuer");
    EXPECT_EQ(k.digits, 8u);
    EXPECT_EQ(str(k.secret), kRfc4226Secret);
    EXPECT_EQ(k.counter, std::optional<uint64_t>(0));
    EXPECT_EQ(k.policy.start_date, starts[i]);
    EXPECT_EQ(k.policy.expiry_date, ends[i]);
  }
}

TEST(PskcRfc6030, Figure2IsRefusedForItsFourByteSecretThenForMissingDigits) {
  expect_refused(read_pskc(load("figure2.xml"), {}), Code::kUnsupported,
                 "Key 12345678: Data/Secret: 4 bytes");
  ReadLimits lax;
  lax.min_secret_bytes = 4;
  expect_refused(read_pskc(load("figure2.xml"), {}, lax), Code::kStructure, "ResponseFormat");
}

TEST(PskcRfc6030, Figure4ServerDerivedKeyIsRefused) {
  expect_refused(read_pskc(load("figure4.xml"), {}), Code::kUnsupported, "KeyProfileId");
}

TEST(PskcRfc6030, Figure5PinPolicyAndPinKeyAreRefusedWhole) {
  // The HOTP key carries a PINPolicy the token cannot enforce (RFC 6030 §5: not understood = not usable);
  // nothing of the file is imported, not even a part.
  expect_refused(read_pskc(load("figure5.xml"), {}), Code::kUnsupported, "Key 12345678: Policy/PINPolicy");
  std::string no_pin_policy = load("figure5.xml");
  replace(no_pin_policy,
          "<PINPolicy MinLength=\"4\" MaxLength=\"4\" PINKeyId=\"123456781\" PINEncoding=\"DECIMAL\" "
          "PINUsageMode=\"Local\"/>",
          "");
  expect_refused(read_pskc(no_pin_policy, {}), Code::kUnsupported,
                 "Key 123456781: algorithm urn:ietf:params:xml:ns:keyprov:pskc:pin");
}

TEST(PskcRfc6030, SignatureIsReportedAsUnverified) {
  // RFC 6030 §7 (Figure 9) signs the container; keydesk imports the keys and says it did not verify it.
  std::string doc = load("figure3.xml");
  replace(doc, "</KeyContainer>",
          "<ds:Signature "
          "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo/></ds:Signature></KeyContainer>");
  auto r = read_pskc(doc, {});
  ASSERT_TRUE(r.ok()) << describe(r.error());
  EXPECT_TRUE(r->has_unverified_signature);
}

// ---- Refusals: each returns an error and no keys -------------------------------------------------------

TEST(PskcRefusal, AlteredValueMac) {
  std::string doc = load("figure6.xml");
  replace(doc, "Su+NvtQfmvfJzF6bmQiJqoLRExc=", "Tu+NvtQfmvfJzF6bmQiJqoLRExc=");
  expect_refused(read_pskc(doc, psk(kFigure6Psk)), Code::kWrongKeyOrDamaged, "Key 12345678: Data/Secret");
}

TEST(PskcRefusal, AlteredCiphertextIsCaughtByTheMacBeforeDecryption) {
  std::string doc = load("figure6.xml");
  // One bit of the last ciphertext block: python-pskc reports "Invalid padding" here; keydesk's MAC check
  // comes first and the report is the same as for any other damage.
  replace(doc, "8jwZqIUqGv", "8jwZqIUqGu");
  auto r = read_pskc(doc, psk(kFigure6Psk));
  expect_refused(r, Code::kWrongKeyOrDamaged, "Key 12345678: Data/Secret");
  std::string mac_altered = load("figure6.xml");
  replace(mac_altered, "Su+NvtQfmvfJzF6bmQiJqoLRExc=", "Tu+NvtQfmvfJzF6bmQiJqoLRExc=");
  auto r2 = read_pskc(mac_altered, psk(kFigure6Psk));
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r.error().context, r2.error().context);  // padding or MAC: one report
}

TEST(PskcRefusal, MissingValueMacWithMacMethod) {
  std::string doc = load("figure6.xml");
  replace(doc, "<ValueMAC>Su+NvtQfmvfJzF6bmQiJqoLRExc=</ValueMAC>", "");
  expect_refused(read_pskc(doc, psk(kFigure6Psk)), Code::kMissingMac, "Key 12345678: Data/Secret");
}

TEST(PskcRefusal, CbcWithoutAnyMac) {
  std::string doc = load("figure6.xml");
  replace(doc, "<ValueMAC>Su+NvtQfmvfJzF6bmQiJqoLRExc=</ValueMAC>", "");
  const auto start = doc.find("<MACMethod");
  const auto end = doc.find("</MACMethod>") + std::string("</MACMethod>").size();
  doc.erase(start, end - start);
  expect_refused(read_pskc(doc, psk(kFigure6Psk)), Code::kMissingMac, "RFC 6030 §6.1.1");
}

TEST(PskcRefusal, WrongPreSharedKey) {
  expect_refused(read_pskc(load("figure6.xml"), psk(shex("12345678901234567890123456789013"))),
                 Code::kWrongKeyOrDamaged);
}

TEST(PskcRefusal, WrongPassphrase) {
  expect_refused(read_pskc(load("figure7.xml"), passphrase("qwertz")), Code::kWrongKeyOrDamaged);
}

TEST(PskcRefusal, KeyOrPassphraseNotGiven) {
  expect_refused(read_pskc(load("figure6.xml"), {}), Code::kKeyNeeded, "named \"Pre-shared-key\"");
  expect_refused(read_pskc(load("figure7.xml"), psk(kFigure6Psk)), Code::kKeyNeeded, "passphrase");
  expect_refused(read_pskc(load("figure6.xml"),
                           psk(shex("1234567890123456789012345678901234567890123456789012345678901234"))),
                 Code::kKeyNeeded, "32 bytes");
}

TEST(PskcRefusal, MalformedXml) {
  std::string doc = load("figure3.xml");
  expect_refused(read_pskc(doc.substr(0, doc.size() / 2), {}), Code::kXml, "not well-formed");
  expect_refused(read_pskc("", {}), Code::kXml);
  expect_refused(read_pskc("<KeyContainer", {}), Code::kXml);
  std::string mismatched = doc;
  replace(mismatched, "</Issuer>", "</Issuerx>");
  expect_refused(read_pskc(mismatched, {}), Code::kXml);
}

TEST(PskcRefusal, DoctypeAndEntities) {
  // "Billion laughs": refused at the DOCTYPE, before any entity is declared or expanded.
  std::string laughs = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">";
  for (int i = 1; i < 10; ++i)
    laughs += "<!ENTITY lol" + std::to_string(i) + " \"" + std::string(10, '&') + "\">";
  laughs +=
      "]><KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\">&lol9;</KeyContainer>";
  expect_refused(read_pskc(laughs, {}), Code::kXml, "DOCTYPE");
  // External entity (XXE) pointing at a local file.
  std::string xxe = load("figure3.xml");
  replace(xxe, "<KeyContainer",
          "<!DOCTYPE KeyContainer [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><KeyContainer");
  replace(xxe, "<Issuer>Issuer</Issuer>", "<Issuer>&x;</Issuer>");
  expect_refused(read_pskc(xxe, {}), Code::kXml, "DOCTYPE");
  // The parser stops at the DOCTYPE itself: what follows (here a cut document) is never read.
  expect_refused(read_pskc("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><KeyContainer", {}),
                 Code::kXml, "DOCTYPE");
  // A DOCTYPE alone, even harmless, is refused.
  std::string plain_doctype = load("figure3.xml");
  replace(plain_doctype, "<KeyContainer", "<!DOCTYPE KeyContainer><KeyContainer");
  expect_refused(read_pskc(plain_doctype, {}), Code::kXml, "DOCTYPE");
}

TEST(PskcRefusal, UnknownAlgorithms) {
  std::string ocra = load("figure3.xml");
  replace(ocra, "urn:ietf:params:xml:ns:keyprov:pskc:hotp", "urn:ietf:params:xml:ns:keyprov:pskc#OCRA-1");
  expect_refused(read_pskc(ocra, {}), Code::kUnsupported, "Key 12345678: algorithm");
  std::string tdes = load("figure6.xml");
  replace(tdes, "xmlenc#aes128-cbc\"/>\n            <xenc:CipherData>",
          "xmlenc#tripledes-cbc\"/>\n            <xenc:CipherData>");
  expect_refused(read_pskc(tdes, psk(kFigure6Psk)), Code::kUnsupported, "tripledes-cbc");
  std::string mac_md5 = load("figure6.xml");
  replace(mac_md5, "xmldsig#hmac-sha1", "xmldsig-more#hmac-md5");
  expect_refused(read_pskc(mac_md5, psk(kFigure6Psk)), Code::kUnsupported, "MACMethod");
  std::string suite = load("figure3.xml");
  replace(suite, "<ResponseFormat", "<Suite>md5</Suite><ResponseFormat");
  expect_refused(read_pskc(suite, {}), Code::kUnsupported, "Suite");
}

TEST(PskcRefusal, TruncatedBase64) {
  std::string doc = load("figure6.xml");
  replace(doc, "lef1VmNPCMl8jwZqIUqGv", "lef1VmNPCMl8jwZqIUqG");  // one character short
  expect_refused(read_pskc(doc, psk(kFigure6Psk)), Code::kBase64,
                 "Key 12345678: Data/Secret/EncryptedValue/CipherValue");
  std::string plain = load("figure3.xml");
  replace(plain, "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA");
  expect_refused(read_pskc(plain, {}), Code::kBase64, "Data/Secret/PlainValue");
  std::string stray = load("figure3.xml");
  replace(stray, "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=", "MTIzNDU2Nzg5MDEy=MzQ1Njc4OTA");
  expect_refused(read_pskc(stray, {}), Code::kBase64);
}

TEST(PskcRefusal, WrongIvOrCiphertextLength) {
  std::string doc = load("figure6.xml");
  // 8 bytes fewer: a 16-byte IV no longer leaves whole blocks (the file was cut or built with a 64-bit IV).
  const auto cv = base64_decode("AAECAwQFBgcICQoLDA0OD+cIHItlB3Wra1DUpxVvOx2lef1VmNPCMl8jwZqIUqGv").value();
  replace(doc, "AAECAwQFBgcICQoLDA0OD+cIHItlB3Wra1DUpxVvOx2lef1VmNPCMl8jwZqIUqGv",
          base64_encode(ByteView(cv).subspan(8)));
  expect_refused(read_pskc(doc, psk(kFigure6Psk)), Code::kStructure, "16-byte IV");
  std::string iv_only = load("figure6.xml");
  replace(iv_only, "AAECAwQFBgcICQoLDA0OD+cIHItlB3Wra1DUpxVvOx2lef1VmNPCMl8jwZqIUqGv",
          "AAECAwQFBgcICQoLDA0ODw==");
  expect_refused(read_pskc(iv_only, psk(kFigure6Psk)), Code::kStructure, "16-byte IV");
}

TEST(PskcRefusal, HugeAndDeepInput) {
  std::string huge = load("figure3.xml");
  replace(huge, "<Issuer>Issuer</Issuer>", "<Issuer>" + std::string(1u << 20, 'A') + "</Issuer>");
  ReadLimits small;
  small.max_bytes = 64u << 10;
  expect_refused(read_pskc(huge, {}, small), Code::kXml, "larger than 65536 bytes");
  EXPECT_TRUE(read_pskc(huge, {}).ok());  // the default (64 MiB) takes bulk files of ~50,000 keys
  std::string deep = load("figure3.xml");
  std::string open, close;
  for (int i = 0; i < 40; ++i) {
    open += "<x:e xmlns:x=\"urn:x\">";
    close += "</x:e>";
  }
  replace(deep, "<Issuer>Issuer</Issuer>", "<Issuer>Issuer</Issuer>" + open + close);
  expect_refused(read_pskc(deep, {}), Code::kXml, "deeper");
  ReadLimits few;
  few.max_keys = 3;
  expect_refused(read_pskc(load("figure10.xml"), {}, few), Code::kStructure, "more than 3");
}

TEST(PskcRefusal, OneBadKeyRefusesTheWholeFile) {
  std::string doc = load("figure10.xml");
  const auto last = doc.rfind("MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=");
  doc.replace(last, 28, "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA");
  expect_refused(read_pskc(doc, {}), Code::kBase64, "Key 4:");
}

TEST(PskcRefusal, StructureErrors) {
  auto with = [](std::string_view from, std::string_view to) {
    std::string d = load("figure3.xml");
    replace(d, from, to);
    return d;
  };
  expect_refused(read_pskc(with("Version=\"1.0\"", ""), {}), Code::kStructure, "Version");
  expect_refused(read_pskc(with("Version=\"1.0\"", "Version=\"2.0\""), {}), Code::kUnsupported,
                 "Version 2.0");
  expect_refused(read_pskc(with("Key Id=\"12345678\"", "Key"), {}), Code::kStructure, "no Id");
  expect_refused(read_pskc(with("<Counter><PlainValue>0</PlainValue></Counter>",
                                "<Counter><PlainValue>18446744073709551616</PlainValue></Counter>"),
                           {}),
                 Code::kStructure, "Counter");
  expect_refused(read_pskc(with("<Counter><PlainValue>0</PlainValue></Counter>",
                                "<Counter><PlainValue>-1</PlainValue></Counter>"),
                           {}),
                 Code::kStructure, "Counter");
  expect_refused(
      read_pskc(
          with("<Counter><PlainValue>0</PlainValue></Counter>",
               "<Counter><PlainValue>0</PlainValue></Counter><Counter><PlainValue>1</PlainValue></Counter>"),
          {}),
      Code::kStructure, "more than one Counter");
  expect_refused(read_pskc(with("Encoding=\"DECIMAL\"", "Encoding=\"HEXADECIMAL\""), {}), Code::kUnsupported,
                 "HEXADECIMAL");
  expect_refused(read_pskc(with("Length=\"8\"", "Length=\"5\""), {}), Code::kUnsupported, "Length 5");
  expect_refused(read_pskc(with("Length=\"8\"", "Length=\"8\" CheckDigits=\"true\""), {}), Code::kUnsupported,
                 "CheckDigits");
  expect_refused(read_pskc(with("</Data>", "</Data><Policy><KeyUsage>Encrypt</KeyUsage></Policy>"), {}),
                 Code::kUnsupported, "KeyUsage does not include OTP");
  expect_refused(read_pskc(with("</Data>", "</Data><Policy><Velocity>1</Velocity></Policy>"), {}),
                 Code::kUnsupported, "not understood");
  expect_refused(read_pskc(with("<PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=",
                                "<PlainValue><b>x</b>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA="),
                           {}),
                 Code::kStructure, "must hold text");
  // Two keys with one Id would make "which credential" ambiguous for the store.
  std::string twice = load("figure10.xml");
  replace(twice, "Key Id=\"2\"", "Key Id=\"1\"");
  expect_refused(read_pskc(twice, {}), Code::kStructure, "appears more than once");
}

TEST(PskcRefusal, NamespacesAreMatchedByUriNotPrefix) {
  // Same local names in another namespace: not PSKC.
  std::string other = load("figure3.xml");
  replace(other, "xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"", "xmlns=\"urn:example:not-pskc\"");
  expect_refused(read_pskc(other, {}), Code::kStructure, "root element");
  // The pre-RFC draft namespace is recognised and refused.
  std::string draft = load("figure3.xml");
  replace(draft, "xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"",
          "xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc:1.0\"");
  expect_refused(read_pskc(draft, {}), Code::kUnsupported, "draft");
  // An element of the right name but in no namespace inside the container is not a Key.
  std::string stray = load("figure3.xml");
  replace(stray, "<Issuer>Issuer</Issuer>", "<Issuer>Issuer</Issuer>");
  replace(stray, "<CryptoModuleInfo>", "<Secret xmlns=\"\">bogus</Secret><CryptoModuleInfo>");
  EXPECT_TRUE(read_pskc(stray, {}).ok());
  // Any prefix works when it is bound to the PSKC namespace.
  std::string prefixed = load("figure7.xml");
  for (std::string_view from : {"<pskc:", "</pskc:"}) {
    const std::string to = std::string(from.substr(0, from.size() - 5)) + "zz:";
    for (size_t at = prefixed.find(from); at != std::string::npos; at = prefixed.find(from, at))
      prefixed.replace(at, from.size(), to);
  }
  replace(prefixed, "xmlns:pskc=", "xmlns:zz=");
  auto r = read_pskc(prefixed, passphrase("qwerty"));
  ASSERT_TRUE(r.ok()) << describe(r.error());
  EXPECT_EQ(str(r->keys[0].secret), kRfc4226Secret);
}

TEST(PskcRefusal, Pbkdf2Limits) {
  std::string many = load("figure7.xml");
  replace(many, "<IterationCount>1000</IterationCount>", "<IterationCount>4000000000</IterationCount>");
  expect_refused(read_pskc(many, passphrase("qwerty")), Code::kUnsupported, "IterationCount");
  std::string zero = load("figure7.xml");
  replace(zero, "<IterationCount>1000</IterationCount>", "<IterationCount>0</IterationCount>");
  expect_refused(read_pskc(zero, passphrase("qwerty")), Code::kStructure, "IterationCount");
  std::string short_salt = load("figure7.xml");
  replace(short_salt, "Ej7/PEpyEpw=", "Ej7/PA==");
  expect_refused(read_pskc(short_salt, passphrase("qwerty")), Code::kStructure, "salt of 4 bytes");
  std::string key_length = load("figure7.xml");
  replace(key_length, "<KeyLength>16</KeyLength>", "<KeyLength>20</KeyLength>");
  expect_refused(read_pskc(key_length, passphrase("qwerty")), Code::kStructure, "KeyLength");
  std::string prf = load("figure7.xml");
  replace(prf, "<PRF/>", "<PRF Algorithm=\"urn:example:prf\"/>");
  expect_refused(read_pskc(prf, passphrase("qwerty")), Code::kUnsupported, "PRF");
}

// ---- Variants seen in the wild -------------------------------------------------------------------------

TEST(PskcImport, TotpUrisSuitesAndTimeValues) {
  auto totp = [](std::string_view uri, std::string_view suite) {
    std::string d = load("figure3.xml");
    replace(d, "urn:ietf:params:xml:ns:keyprov:pskc:hotp", uri);
    replace(d, "<ResponseFormat", std::string(suite) + "<ResponseFormat");
    replace(d, "<Counter><PlainValue>0</PlainValue></Counter>",
            "<Time><PlainValue>0</PlainValue></Time><TimeInterval><PlainValue>60</PlainValue></TimeInterval>"
            "<TimeDrift><PlainValue>-2</PlainValue></TimeDrift>");
    return read_pskc(d, {});
  };
  for (auto uri : {kTotpUri, kTotpDraftUri}) {
    auto r = totp(uri, "");
    ASSERT_TRUE(r.ok()) << describe(r.error());
    const OathKey& k = r->keys[0];
    EXPECT_EQ(k.algorithm, OtpAlgorithm::kTotp);
    EXPECT_EQ(k.time, std::optional<uint64_t>(0));
    EXPECT_EQ(k.time_interval, std::optional<uint32_t>(60));
    EXPECT_EQ(k.time_drift, std::optional<int32_t>(-2));
    EXPECT_FALSE(k.counter.has_value());
  }
  EXPECT_EQ(totp(kTotpUri, "<Suite>sha256</Suite>")->keys[0].hash, OtpHash::kSha256);         // Feitian
  EXPECT_EQ(totp(kTotpUri, "<Suite>HMAC-SHA512</Suite>")->keys[0].hash, OtpHash::kSha512);    // multiOTP
  EXPECT_EQ(totp(kTotpUri, "<Suite hashalgo=\"sha256\"/>")->keys[0].hash, OtpHash::kSha256);  // privacyIDEA
  EXPECT_EQ(totp(kTotpUri, "<Suite hashalgo=\"sha1\">HMAC-SHA1</Suite>")->keys[0].hash, OtpHash::kSha1);
  expect_refused(totp(kTotpUri, "<Suite hashalgo=\"sha1\">sha256</Suite>"), Code::kStructure, "disagree");
}

// Builds an encrypted file around `fields` with this layer's own primitives (the PSK of Figure 6).
std::string encrypted_doc(ValueCipher cipher, const SecureBytes& key, bool with_mac, crypto::HashAlg mac_alg,
                          const std::string& counter_plain) {
  const SecureBytes mac_key = shex("00112233445566778899aabbccddeeff00112233");
  auto enc = [&](ByteView plain) { return encrypt_value(cipher, key, plain).value(); };
  const std::string uri(value_cipher_uri(cipher));
  auto value = [&](ByteView plain) {
    const Bytes cv = enc(plain);
    std::string s = "<EncryptedValue><xenc:EncryptionMethod Algorithm=\"" + uri +
                    "\"/><xenc:CipherData><xenc:CipherValue>" + base64_encode(cv) +
                    "</xenc:CipherValue></xenc:CipherData></EncryptedValue>";
    if (with_mac) s += "<ValueMAC>" + base64_encode(crypto::hmac(mac_alg, mac_key, cv)) + "</ValueMAC>";
    return s;
  };
  std::string doc =
      "<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\" "
      "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\">"
      "<EncryptionKey><ds:KeyName>k</ds:KeyName></EncryptionKey>";
  if (with_mac)
    doc += "<MACMethod Algorithm=\"" + std::string(mac_uri(mac_alg)) +
           "\"><MACKey><xenc:EncryptionMethod Algorithm=\"" + uri +
           "\"/><xenc:CipherData><xenc:CipherValue>" + base64_encode(enc(mac_key)) +
           "</xenc:CipherValue></xenc:CipherData></MACKey></MACMethod>";
  doc +=
      "<KeyPackage><Key Id=\"k1\" "
      "Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:hotp\"><AlgorithmParameters>"
      "<ResponseFormat Length=\"6\" Encoding=\"DECIMAL\"/></AlgorithmParameters><Data><Secret>" +
      value(bytes_of(kRfc4226Secret)) + "</Secret><Counter>" + value(bytes_of(counter_plain)) +
      "</Counter></Data></Key></KeyPackage></KeyContainer>";
  return doc;
}

TEST(PskcImport, CiphersMacsAndEncryptedCounters) {
  const SecureBytes k16 = kFigure6Psk;
  const SecureBytes k32 = shex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  struct Case {
    ValueCipher cipher;
    const SecureBytes& key;
    bool mac;
    crypto::HashAlg alg;
  } cases[] = {
      {ValueCipher::kAes128Cbc, k16, true, crypto::HashAlg::kSha1},
      {ValueCipher::kAes256Cbc, k32, true, crypto::HashAlg::kSha256},
      {ValueCipher::kAes256Cbc, k32, true, crypto::HashAlg::kSha512},
      {ValueCipher::kKwAes128, k16, false, crypto::HashAlg::kSha1},  // RFC 3394 has its own integrity check
      {ValueCipher::kKwAes256, k32, true, crypto::HashAlg::kSha1},
  };
  for (const auto& c : cases) {
    // Counter 7 as python-pskc writes it (minimal big-endian), as 8 bytes, and as ASCII digits.
    for (const std::string& counter :
         {std::string("\x07", 1), std::string("\0\0\0\0\0\0\0\x07", 8), std::string("7")}) {
      auto r = read_pskc(encrypted_doc(c.cipher, c.key, c.mac, c.alg, counter), psk(c.key));
      ASSERT_TRUE(r.ok()) << value_cipher_uri(c.cipher) << ": " << describe(r.error());
      EXPECT_EQ(str(r->keys[0].secret), kRfc4226Secret);
      EXPECT_EQ(r->keys[0].counter, std::optional<uint64_t>(7));
    }
  }
  // python-pskc 1.2 writes key-wrapped files with an Algorithm-less MACMethod and no ValueMAC: it names no
  // MAC, so it counts as absent. Key wrap then stands on its own integrity check; CBC values are refused.
  std::string kw_quirk = encrypted_doc(ValueCipher::kKwAes128, k16, false, crypto::HashAlg::kSha1, "7");
  replace(kw_quirk, "<KeyPackage>", "<MACMethod><MACKey/></MACMethod><KeyPackage>");
  EXPECT_TRUE(read_pskc(kw_quirk, psk(k16)).ok());
  std::string cbc_quirk = encrypted_doc(ValueCipher::kAes128Cbc, k16, false, crypto::HashAlg::kSha1, "7");
  replace(cbc_quirk, "<KeyPackage>", "<MACMethod><MACKey/></MACMethod><KeyPackage>");
  expect_refused(read_pskc(cbc_quirk, psk(k16)), Code::kMissingMac, "RFC 6030 §6.1.1");
  // Key wrap damage is caught by RFC 3394's integrity value and reported like a MAC failure.
  std::string wrapped = encrypted_doc(ValueCipher::kKwAes128, k16, false, crypto::HashAlg::kSha1, "7");
  expect_refused(read_pskc(wrapped, psk(shex("00000000000000000000000000000000"))), Code::kWrongKeyOrDamaged);
}

// ---- Export and round trips ----------------------------------------------------------------------------

Container sample_container() {
  Container c;
  c.id = "batch-1";
  OathKey hotp_key;
  hotp_key.id = "kd-1";
  hotp_key.algorithm = OtpAlgorithm::kHotp;
  hotp_key.issuer = "keydesk & co <test>";
  hotp_key.friendly_name = "alice's key";
  hotp_key.user_id = "UID=alice";
  hotp_key.device = {"Yubico", "987654321", "YubiKey 5", "DC=example"};
  hotp_key.crypto_module_id = "CM1";
  hotp_key.digits = 6;
  hotp_key.secret = secure_copy(bytes_of(kRfc4226Secret));
  hotp_key.counter = 4294967301ull;  // above 32 bits: RFC 4226 counters are 8 bytes
  hotp_key.policy.start_date = "2026-01-01T00:00:00Z";
  hotp_key.policy.expiry_date = "2027-01-01T00:00:00Z";
  hotp_key.policy.number_of_transactions = 1000;
  c.keys.push_back(hotp_key);
  OathKey totp_key;
  totp_key.id = "kd-2";
  totp_key.algorithm = OtpAlgorithm::kTotp;
  totp_key.hash = OtpHash::kSha256;
  totp_key.digits = 8;
  totp_key.secret = secure_copy(bytes_of("12345678901234567890123456789012"));
  totp_key.time = 0;
  totp_key.time_interval = 30;
  totp_key.time_drift = -1;
  c.keys.push_back(totp_key);
  return c;
}

void expect_same(const Container& a, const Container& b) {
  ASSERT_EQ(a.keys.size(), b.keys.size());
  for (size_t i = 0; i < a.keys.size(); ++i) {
    const OathKey& x = a.keys[i];
    const OathKey& y = b.keys[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.algorithm, y.algorithm);
    EXPECT_EQ(x.hash, y.hash);
    EXPECT_EQ(x.issuer, y.issuer);
    EXPECT_EQ(x.friendly_name, y.friendly_name);
    EXPECT_EQ(x.user_id, y.user_id);
    EXPECT_EQ(x.device.manufacturer, y.device.manufacturer);
    EXPECT_EQ(x.device.serial_no, y.device.serial_no);
    EXPECT_EQ(x.device.model, y.device.model);
    EXPECT_EQ(x.device.user_id, y.device.user_id);
    EXPECT_EQ(x.crypto_module_id, y.crypto_module_id);
    EXPECT_EQ(x.digits, y.digits);
    EXPECT_TRUE(x.secret == y.secret);
    EXPECT_EQ(x.counter, y.counter);
    EXPECT_EQ(x.time, y.time);
    EXPECT_EQ(x.time_interval, y.time_interval);
    EXPECT_EQ(x.time_drift, y.time_drift);
    EXPECT_EQ(x.policy.start_date, y.policy.start_date);
    EXPECT_EQ(x.policy.expiry_date, y.policy.expiry_date);
    EXPECT_EQ(x.policy.number_of_transactions, y.policy.number_of_transactions);
  }
}

ExportProtection psk_protection(const SecureBytes& key) {
  return ExportProtection{key, std::nullopt, "batch key"};
}

TEST(PskcExport, PreSharedKeyRoundTrip) {
  const Container c = sample_container();
  auto xml = write_pskc(c, psk_protection(kFigure6Psk));
  ASSERT_TRUE(xml.ok()) << describe(xml.error());
  // What a validation server needs to recognise, and no secret in the clear.
  EXPECT_NE(xml->find("Version=\"1.0\""), std::string::npos);
  EXPECT_NE(xml->find("<ds:KeyName>batch key</ds:KeyName>"), std::string::npos);
  EXPECT_NE(xml->find("http://www.w3.org/2000/09/xmldsig#hmac-sha1"), std::string::npos);
  EXPECT_NE(xml->find("urn:ietf:params:xml:ns:keyprov:pskc:totp"), std::string::npos);
  EXPECT_NE(xml->find("<pskc:Suite>sha256</pskc:Suite>"), std::string::npos);
  EXPECT_NE(xml->find("<pskc:PlainValue>4294967301</pskc:PlainValue>"), std::string::npos);
  EXPECT_EQ(xml->find("MTIzNDU2"), std::string::npos);
  EXPECT_EQ(xml->find("12345678901234567890"), std::string::npos);
  auto back = read_pskc(*xml, psk(kFigure6Psk));
  ASSERT_TRUE(back.ok()) << describe(back.error());
  expect_same(c, *back);
  EXPECT_EQ(back->id, "batch-1");
  // A second export differs everywhere randomness is used (IVs, MAC key) but reads back the same.
  auto again = write_pskc(c, psk_protection(kFigure6Psk));
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*xml, *again);
  expect_refused(read_pskc(*xml, psk(shex("00000000000000000000000000000000"))), Code::kWrongKeyOrDamaged);
}

TEST(PskcExport, PassphraseRoundTripWithEncryptedCounter) {
  const Container c = sample_container();
  ExportOptions options;
  options.pbkdf2_iterations = 1000;
  options.encrypt_counter = true;
  auto xml = write_pskc(c, ExportProtection{std::nullopt, SecureString("correct horse"), "pass 1"}, options);
  ASSERT_TRUE(xml.ok()) << describe(xml.error());
  EXPECT_NE(xml->find("pkcs-5v2-0#pbkdf2"), std::string::npos);
  EXPECT_NE(xml->find("<IterationCount>1000</IterationCount>"), std::string::npos);
  EXPECT_NE(xml->find("<xenc11:MasterKeyName>pass 1</xenc11:MasterKeyName>"), std::string::npos);
  EXPECT_EQ(xml->find("4294967301"), std::string::npos);  // the counter went into an EncryptedValue
  auto back = read_pskc(*xml, passphrase("correct horse"));
  ASSERT_TRUE(back.ok()) << describe(back.error());
  expect_same(c, *back);
  expect_refused(read_pskc(*xml, passphrase("correct horsE")), Code::kWrongKeyOrDamaged);
}

TEST(PskcExport, Aes256AndHmacSha256) {
  const SecureBytes k32 = shex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  ExportOptions options;
  options.cipher = ExportCipher::kAes256Cbc;
  options.mac = ExportMac::kHmacSha256;
  auto xml = write_pskc(sample_container(), psk_protection(k32), options);
  ASSERT_TRUE(xml.ok()) << describe(xml.error());
  EXPECT_NE(xml->find("xmlenc#aes256-cbc"), std::string::npos);
  EXPECT_NE(xml->find("xmldsig-more#hmac-sha256"), std::string::npos);
  auto back = read_pskc(*xml, psk(k32));
  ASSERT_TRUE(back.ok()) << describe(back.error());
  expect_same(sample_container(), *back);
}

TEST(PskcExport, RefusesWhatCannotBeWrittenFaithfully) {
  Container c = sample_container();
  auto refused = [](const Result<std::string>& r, std::string_view mentions) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::kUsage);
    EXPECT_NE(r.error().context.find(mentions), std::string::npos) << r.error().context;
  };
  Container no_counter = c;
  no_counter.keys[0].counter.reset();
  refused(write_pskc(no_counter, psk_protection(kFigure6Psk)), "needs its counter");
  Container twice = c;
  twice.keys[1].id = "kd-1";
  refused(write_pskc(twice, psk_protection(kFigure6Psk)), "appears twice");
  Container control = c;
  control.keys[0].issuer = std::string("a\x01z");
  refused(write_pskc(control, psk_protection(kFigure6Psk)), "XML cannot carry");
  refused(write_pskc(c, psk_protection(shex("0011"))), "16 bytes");
  refused(write_pskc(c, ExportProtection{kFigure6Psk, SecureString("x"), ""}), "exactly one");
  ExportOptions weak;
  weak.pbkdf2_iterations = 10;
  refused(write_pskc(c, ExportProtection{std::nullopt, SecureString("x"), ""}, weak), "1000 iterations");
  refused(write_pskc(Container{}, psk_protection(kFigure6Psk)), "no keys");
}

TEST(PskcExport, ImportedRfcFigureReExportsWithTheSameValues) {
  // One source of truth: what was imported from a vendor file is what the validation server's file says.
  auto imported = read_pskc(load("figure7.xml"), passphrase("qwerty"));
  ASSERT_TRUE(imported.ok());
  imported->keys[0].counter = 0;  // provisioning decides the start of a HOTP key without a Counter
  auto xml = write_pskc(*imported, psk_protection(kFigure6Psk));
  ASSERT_TRUE(xml.ok()) << describe(xml.error());
  auto back = read_pskc(*xml, psk(kFigure6Psk));
  ASSERT_TRUE(back.ok()) << describe(back.error());
  expect_same(*imported, *back);
  EXPECT_EQ(hotp(back->keys[0].secret, 0, 8), "84755224");
}

}  // namespace
}  // namespace keydesk::pskc
