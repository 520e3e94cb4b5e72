// A keydesk-sim card with only the PIV applet, seeded from a profile of the source tree and reached through
// the in-process transport, plus the OpenSSL checks the tests judge the card's answers by.
#pragma once

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <string>

#include "card/card.h"
#include "card/piv/piv_applet.h"
#include "card/profile.h"
#include "crypto/cipher.h"
#include "crypto/digest.h"
#include "crypto/random.h"
#include "crypto/x509.h"
#include "host/piv_session.h"
#include "iso7816/tlv.h"
#include "transport/loopback_transport.h"

namespace keydesk::testing {

inline Bytes hex(const char* text) {
  return *from_hex(text);
}

inline nlohmann::json profile(const std::string& name) {
  auto doc = card::load_profile(name, {KEYDESK_PROFILE_SOURCE_DIR});
  EXPECT_TRUE(doc.ok()) << describe(doc.error());
  return doc ? *doc : nlohmann::json::object();
}

inline const Bytes kDefaultKey = hex("010203040506070801020304050607080102030405060708");

class PivToken {
 public:
  explicit PivToken(const nlohmann::json& doc) {
    card_.emplace_applet<card::PivApplet>();
    const Status loaded = card_.load(doc);
    EXPECT_TRUE(loaded.ok()) << describe(loaded.error());
    EXPECT_TRUE(session_.select().ok());
  }
  explicit PivToken(const char* profile_name = "yubikey5") : PivToken(profile(profile_name)) {}

  card::Card& card() { return card_; }
  host::PivSession& piv() { return session_; }
  host::ApduConnection& connection() { return connection_; }
  // Raw exchange: hex in, upper-case hex out (data and SW).
  std::string raw(const std::string& command_hex) {
    return to_hex(card_.transmit(*from_hex(command_hex)), true);
  }
  void authenticate(ByteView key = kDefaultKey, crypto::BlockCipher c = crypto::BlockCipher::kTdes) {
    const Status s = session_.authenticate(c, key);
    ASSERT_TRUE(s.ok()) << describe(s.error());
  }
  void verify_pin(const char* pin = "123456") {
    auto r = session_.verify_pin(bytes_of(pin));
    ASSERT_TRUE(r.ok() && r->ok());
  }

 private:
  card::Card card_;
  transport::LoopbackTransport transport_{card_};
  host::ApduConnection connection_{transport_};
  host::PivSession session_{connection_};
};

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// The public key a card returned (7F49 content or GET METADATA tag 04) as an OpenSSL key.
inline Pkey public_key_from_tlvs(ByteView tlvs) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  const char* type = "RSA";
  BIGNUM *n = nullptr, *e = nullptr;
  // The builder keeps a pointer to octet strings until to_param(): `point` must outlive it.
  const auto point = iso7816::find_value(tlvs, 0x86);
  if (point) {
    type = "EC";
    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, point->size() == 65 ? "P-256" : "P-384",
                                    0);
    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point->data(), point->size());
  } else {
    auto mod = iso7816::find_value(tlvs, 0x81);
    auto exp = iso7816::find_value(tlvs, 0x82);
    if (!mod || !exp) return nullptr;
    n = BN_bin2bn(mod->data(), static_cast<int>(mod->size()), nullptr);
    e = BN_bin2bn(exp->data(), static_cast<int>(exp->size()), nullptr);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
  }
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* pkey = nullptr;
  if (ctx && EVP_PKEY_fromdata_init(ctx) == 1) EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(n);
  BN_free(e);
  return Pkey(pkey);
}

// OpenSSL's verdict on a SHA-256 signature of `message` (ECDSA DER or RSA PKCS#1 v1.5).
inline bool openssl_verifies(EVP_PKEY* key, ByteView message, ByteView signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, signature.data(), signature.size(), message.data(), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

// EMSA-PKCS1-v1_5 for SHA-256, what a PIV client sends for an RSA signature.
inline Bytes pkcs1_sha256_block(ByteView message, size_t modulus_bytes) {
  const Bytes digest_info = hex("3031300d060960864801650304020105000420");
  Bytes t = digest_info;
  append(t, crypto::hash(crypto::HashAlg::kSha256, message));
  Bytes block{0x00, 0x01};
  block.resize(modulus_bytes - t.size() - 1, 0xFF);
  block.push_back(0x00);
  append(block, t);
  return block;
}

}  // namespace keydesk::testing
