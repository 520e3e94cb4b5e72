#include "crypto/x509.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <sstream>

#include "crypto/random.h"

namespace keydesk::crypto {
namespace {
template <typename T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Free<X509, X509_free>>;
using NamePtr = std::unique_ptr<X509_NAME, Free<X509_NAME, X509_NAME_free>>;

Error fail(const std::string& what) { return Error::make(ErrorKind::kCrypto, "X.509: " + what); }

// "C=US,O=Org,CN=Name" -> X509_NAME. Values may not contain commas (keydesk's own names never do).
NamePtr parse_name(const std::string& text) {
  NamePtr name(X509_NAME_new());
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    const auto eq = part.find('=');
    if (eq == std::string::npos) return nullptr;
    const std::string field = part.substr(0, eq), value = part.substr(eq + 1);
    if (X509_NAME_add_entry_by_txt(name.get(), field.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0) != 1)
      return nullptr;
  }
  return name;
}

X509Ptr parse_cert(ByteView der) {
  const unsigned char* p = der.data();
  return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}
}  // namespace

Result<Bytes> issue_certificate(const CertificateSpec& spec, ByteView subject_spki_der, EVP_PKEY* issuer_key) {
  const unsigned char* p = subject_spki_der.data();
  std::unique_ptr<EVP_PKEY, Free<EVP_PKEY, EVP_PKEY_free>> subject_key(
      d2i_PUBKEY(nullptr, &p, static_cast<long>(subject_spki_der.size())));
  if (!subject_key) return fail("subject public key is not a SubjectPublicKeyInfo");
  NamePtr subject = parse_name(spec.subject);
  NamePtr issuer = parse_name(spec.issuer.empty() ? spec.subject : spec.issuer);
  if (!subject || !issuer) return fail("bad distinguished name");

  X509Ptr cert(X509_new());
  Bytes serial = spec.serial.empty() ? random_bytes(16) : spec.serial;
  serial[0] &= 0x7F;  // a positive INTEGER
  std::unique_ptr<BIGNUM, Free<BIGNUM, BN_free>> bn(BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) ||
      !X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * spec.valid_days) ||
      X509_set_subject_name(cert.get(), subject.get()) != 1 || X509_set_issuer_name(cert.get(), issuer.get()) != 1 ||
      X509_set_pubkey(cert.get(), subject_key.get()) != 1)
    return fail("cannot fill the certificate");

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  X509_EXTENSION* bc = X509V3_EXT_conf_nid(nullptr, &ctx, NID_basic_constraints,
                                           spec.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  if (!bc || X509_add_ext(cert.get(), bc, -1) != 1) return fail("basicConstraints");
  X509_EXTENSION_free(bc);
  for (const auto& e : spec.extra) {
    ASN1_OBJECT* oid = OBJ_txt2obj(e.oid.c_str(), 1);
    ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(value, e.der_value.data(), static_cast<int>(e.der_value.size()));
    X509_EXTENSION* ext = oid ? X509_EXTENSION_create_by_OBJ(nullptr, oid, e.critical ? 1 : 0, value) : nullptr;
    const bool ok = ext && X509_add_ext(cert.get(), ext, -1) == 1;
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(value);
    ASN1_OBJECT_free(oid);
    if (!ok) return fail("extension " + e.oid);
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) return fail("signing failed");
  unsigned char* out = nullptr;
  const int len = i2d_X509(cert.get(), &out);
  if (len <= 0) return fail("encoding failed");
  Bytes der(out, out + len);
  OPENSSL_free(out);
  return der;
}

Result<std::string> certificate_subject(ByteView cert_der) {
  X509Ptr cert = parse_cert(cert_der);
  if (!cert) return fail("not a DER certificate");
  std::unique_ptr<BIO, Free<BIO, BIO_free_all>> bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert.get()), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

Result<Bytes> certificate_spki(ByteView cert_der) {
  X509Ptr cert = parse_cert(cert_der);
  if (!cert) return fail("not a DER certificate");
  unsigned char* out = nullptr;
  const int len = i2d_PUBKEY(X509_get0_pubkey(cert.get()), &out);
  if (len <= 0) return fail("no public key");
  Bytes spki(out, out + len);
  OPENSSL_free(out);
  return spki;
}

}  // namespace keydesk::crypto
