#include "crypto/rsa_key.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdlib>

namespace keydesk::crypto {
namespace {
Error crypto_error(const char* what) {
  return Error::make(ErrorKind::kCrypto, what);
}

struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;

BnPtr bn(ByteView b) {
  return BnPtr(BN_bin2bn(b.data(), static_cast<int>(b.size()), nullptr));
}

Bytes bn_param(EVP_PKEY* pkey, const char* name) {
  BIGNUM* v = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &v) != 1) std::abort();
  Bytes out(static_cast<size_t>(BN_num_bytes(v)));
  BN_bn2bin(v, out.data());
  BN_free(v);
  return out;
}
}  // namespace

Result<RsaKey> RsaKey::generate(unsigned bits) {
  EVP_PKEY* p = EVP_RSA_gen(bits);
  if (!p) return crypto_error("RSA key generation failed");
  return RsaKey(PkeyPtr(p));
}

Result<RsaKey> RsaKey::from_pkcs8(ByteView der) {
  const unsigned char* ptr = der.data();
  EVP_PKEY* p = d2i_AutoPrivateKey(nullptr, &ptr, static_cast<long>(der.size()));
  if (!p || EVP_PKEY_get_base_id(p) != EVP_PKEY_RSA) {
    EVP_PKEY_free(p);
    return crypto_error("not an RSA private key");
  }
  return RsaKey(PkeyPtr(p));
}

Result<RsaKey> RsaKey::from_crt(const RsaCrtParts& parts) {
  // n = p q and d = e^-1 mod (p-1)(q-1) are derived; OpenSSL checks the CRT parts against them.
  BnPtr p = bn(parts.p), q = bn(parts.q), dp = bn(parts.dp), dq = bn(parts.dq), qinv = bn(parts.qinv);
  BnPtr e(BN_new()), n(BN_new()), d(BN_new()), p1(BN_new()), q1(BN_new()), phi(BN_new());
  BN_CTX* ctx = BN_CTX_new();
  bool ok = p && q && dp && dq && qinv && e && n && d && p1 && q1 && phi && ctx && !BN_is_zero(p.get()) &&
            !BN_is_zero(q.get()) && BN_set_word(e.get(), RSA_F4) == 1 &&
            BN_mul(n.get(), p.get(), q.get(), ctx) == 1 && BN_sub(p1.get(), p.get(), BN_value_one()) == 1 &&
            BN_sub(q1.get(), q.get(), BN_value_one()) == 1 &&
            BN_mul(phi.get(), p1.get(), q1.get(), ctx) == 1 &&
            BN_mod_inverse(d.get(), e.get(), phi.get(), ctx) != nullptr;
  BN_CTX_free(ctx);
  EVP_PKEY* pkey = nullptr;
  if (ok) {
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n.get());
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e.get());
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d.get());
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p.get());
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q.get());
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp.get());
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq.get());
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv.get());
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX* kctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
    ok = kctx && params && EVP_PKEY_fromdata_init(kctx) == 1 &&
         EVP_PKEY_fromdata(kctx, &pkey, EVP_PKEY_KEYPAIR, params) == 1;
    EVP_PKEY_CTX_free(kctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
  }
  if (ok) {
    EVP_PKEY_CTX* check = EVP_PKEY_CTX_new(pkey, nullptr);
    ok = check && EVP_PKEY_private_check(check) == 1 && EVP_PKEY_pairwise_check(check) == 1;
    EVP_PKEY_CTX_free(check);
  }
  if (!ok) {
    EVP_PKEY_free(pkey);
    return crypto_error("invalid RSA CRT parts");
  }
  return RsaKey(PkeyPtr(pkey));
}

unsigned RsaKey::bits() const {
  return static_cast<unsigned>(EVP_PKEY_get_bits(pkey_.get()));
}

Bytes RsaKey::pkcs8() const {
  return pkcs8_of(pkey_.get());
}

Bytes RsaKey::modulus() const {
  return bn_param(pkey_.get(), OSSL_PKEY_PARAM_RSA_N);
}
Bytes RsaKey::public_exponent() const {
  return bn_param(pkey_.get(), OSSL_PKEY_PARAM_RSA_E);
}

Bytes RsaKey::spki() const {
  return spki_of(pkey_.get());
}

Result<Bytes> RsaKey::raw_private(ByteView block) const {
  const size_t size = static_cast<size_t>(EVP_PKEY_get_size(pkey_.get()));
  if (block.size() != size) return crypto_error("RSA input is not one modulus-sized block");
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pkey_.get(), nullptr);
  Bytes out(size);
  size_t len = out.size();
  const bool ok = ctx && EVP_PKEY_decrypt_init(ctx) == 1 &&
                  EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1 &&
                  EVP_PKEY_decrypt(ctx, out.data(), &len, block.data(), block.size()) == 1;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) return crypto_error("RSA private operation failed (input not below the modulus)");
  out.resize(len);
  return out;
}

}  // namespace keydesk::crypto
