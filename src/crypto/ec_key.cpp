#include "crypto/ec_key.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <cstdlib>

namespace keydesk::crypto {
namespace {
const char* group_name(Curve c) {
  return c == Curve::kP256 ? "P-256" : "P-384";
}

Error crypto_error(const char* what) {
  return Error::make(ErrorKind::kCrypto, what);
}

PkeyPtr pkey_from_public(Curve curve, ByteView point) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group_name(curve), 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* pkey = nullptr;
  if (ctx && EVP_PKEY_fromdata_init(ctx) == 1) EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  return PkeyPtr(pkey);
}
}  // namespace

void PkeyDeleter::operator()(EVP_PKEY* p) const {
  EVP_PKEY_free(p);
}

Bytes spki_of(EVP_PKEY* pkey) {
  unsigned char* buf = nullptr;
  const int len = i2d_PUBKEY(pkey, &buf);
  if (len <= 0) std::abort();
  Bytes out(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

Bytes pkcs8_of(EVP_PKEY* pkey) {
  unsigned char* buf = nullptr;
  PKCS8_PRIV_KEY_INFO* p8 = EVP_PKEY2PKCS8(pkey);
  const int len = i2d_PKCS8_PRIV_KEY_INFO(p8, &buf);
  PKCS8_PRIV_KEY_INFO_free(p8);
  if (len <= 0) std::abort();
  Bytes out(buf, buf + len);
  OPENSSL_clear_free(buf, static_cast<size_t>(len));
  return out;
}

size_t curve_bytes(Curve c) {
  return c == Curve::kP256 ? 32 : 48;
}

EcKey EcKey::generate(Curve curve) {
  EVP_PKEY* p = EVP_EC_gen(group_name(curve));
  if (!p) std::abort();
  return EcKey(curve, PkeyPtr(p));
}

Result<EcKey> EcKey::from_pkcs8(ByteView der) {
  const unsigned char* ptr = der.data();
  EVP_PKEY* p = d2i_AutoPrivateKey(nullptr, &ptr, static_cast<long>(der.size()));
  if (!p || EVP_PKEY_get_base_id(p) != EVP_PKEY_EC) {
    EVP_PKEY_free(p);
    return crypto_error("not an EC private key");
  }
  char name[32] = {};
  size_t len = 0;
  EVP_PKEY_get_utf8_string_param(p, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len);
  const std::string g(name);
  Curve c;
  if (g == "prime256v1" || g == "P-256")
    c = Curve::kP256;
  else if (g == "secp384r1" || g == "P-384")
    c = Curve::kP384;
  else {
    EVP_PKEY_free(p);
    return crypto_error("unsupported EC curve");
  }
  return EcKey(c, PkeyPtr(p));
}

Result<EcKey> EcKey::from_scalar(Curve curve, ByteView scalar) {
  if (scalar.size() != curve_bytes(curve)) return crypto_error("EC private scalar has the wrong size");
  // Derive the public point from the scalar, then build the key from both.
  EC_GROUP* group = EC_GROUP_new_by_curve_name(curve == Curve::kP256 ? NID_X9_62_prime256v1 : NID_secp384r1);
  BIGNUM* d = BN_bin2bn(scalar.data(), static_cast<int>(scalar.size()), nullptr);
  EC_POINT* pub = EC_POINT_new(group);
  Bytes point(1 + 2 * curve_bytes(curve));
  bool ok = group && d && pub && !BN_is_zero(d) && BN_cmp(d, EC_GROUP_get0_order(group)) < 0 &&
            EC_POINT_mul(group, pub, d, nullptr, nullptr, nullptr) == 1 &&
            EC_POINT_point2oct(group, pub, POINT_CONVERSION_UNCOMPRESSED, point.data(), point.size(),
                               nullptr) == point.size();
  EVP_PKEY* pkey = nullptr;
  if (ok) {
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group_name(curve), 0);
    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d);
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1)
      ok = false;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
  }
  EC_POINT_free(pub);
  BN_clear_free(d);
  EC_GROUP_free(group);
  if (!ok) {
    EVP_PKEY_free(pkey);
    return crypto_error("invalid EC private scalar");
  }
  return EcKey(curve, PkeyPtr(pkey));
}

Bytes EcKey::pkcs8() const {
  return pkcs8_of(pkey_.get());
}

Bytes EcKey::public_point() const {
  Bytes out(1 + 2 * curve_bytes(curve_));
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(pkey_.get(), OSSL_PKEY_PARAM_PUB_KEY, out.data(), out.size(), &len) !=
      1)
    std::abort();
  out.resize(len);
  return out;
}

Bytes EcKey::spki() const {
  return spki_of(pkey_.get());
}

Result<Bytes> EcKey::sign_digest(ByteView digest) const {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pkey_.get(), nullptr);
  Bytes sig(2 * curve_bytes(curve_) + 16);
  size_t len = sig.size();
  const bool ok = ctx && EVP_PKEY_sign_init(ctx) == 1 &&
                  EVP_PKEY_sign(ctx, sig.data(), &len, digest.data(), digest.size()) == 1;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) return crypto_error("ECDSA signature failed");
  sig.resize(len);
  return sig;
}

Result<Bytes> EcKey::ecdh(ByteView peer_point) const {
  PkeyPtr peer = pkey_from_public(curve_, peer_point);
  if (!peer) return crypto_error("peer EC point is not on the curve");
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pkey_.get(), nullptr);
  Bytes secret(curve_bytes(curve_));
  size_t len = secret.size();
  const bool ok = ctx && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, peer.get()) == 1 &&
                  EVP_PKEY_derive(ctx, secret.data(), &len) == 1;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) return crypto_error("ECDH failed");
  secret.resize(len);
  return secret;
}

bool ecdsa_verify_digest(Curve curve, ByteView public_point, ByteView digest, ByteView der_signature) {
  PkeyPtr pub = pkey_from_public(curve, public_point);
  if (!pub) return false;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pub.get(), nullptr);
  const bool ok =
      ctx && EVP_PKEY_verify_init(ctx) == 1 &&
      EVP_PKEY_verify(ctx, der_signature.data(), der_signature.size(), digest.data(), digest.size()) == 1;
  EVP_PKEY_CTX_free(ctx);
  return ok;
}

}  // namespace keydesk::crypto
