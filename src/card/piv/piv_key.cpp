#include "card/piv/piv_key.h"

#include <openssl/evp.h>

#include <algorithm>

#include "iso7816/tlv.h"

namespace keydesk::card::piv {
namespace {
constexpr unsigned rsa_bits(Algorithm a) {
  return a == Algorithm::kRsa1024 ? 1024 : 2048;
}
constexpr crypto::Curve curve_of(Algorithm a) {
  return a == Algorithm::kEccP384 ? crypto::Curve::kP384 : crypto::Curve::kP256;
}
Error usage(const char* what) {
  return Error::make(ErrorKind::kUsage, what);
}
}  // namespace

PivKey::PivKey(Algorithm alg, Key key, KeyPolicy policy, KeyOrigin origin)
    : algorithm_(alg), key_(std::move(key)), policy_(policy), origin_(origin) {
  pkcs8_ = std::visit([](const auto& k) { return k.pkcs8(); }, key_);
  pkcs8_hex_ = to_hex(pkcs8_);
}

PivKey::~PivKey() {
  wipe(pkcs8_);
  std::fill(pkcs8_hex_.begin(), pkcs8_hex_.end(), '\0');
}

Result<PivKey> PivKey::generate(Algorithm alg, KeyPolicy policy) {
  if (is_ec(alg)) return PivKey(alg, crypto::EcKey::generate(curve_of(alg)), policy, KeyOrigin::kGenerated);
  if (!is_rsa(alg)) return usage("not an asymmetric PIV algorithm");
  auto rsa = crypto::RsaKey::generate(rsa_bits(alg));
  if (!rsa) return rsa.error();
  return PivKey(alg, std::move(rsa).value(), policy, KeyOrigin::kGenerated);
}

Result<PivKey> PivKey::import_ec(Algorithm alg, ByteView scalar, KeyPolicy policy) {
  if (!is_ec(alg)) return usage("EC scalar for a non-EC algorithm");
  auto ec = crypto::EcKey::from_scalar(curve_of(alg), scalar);
  if (!ec) return usage("invalid EC private scalar");
  return PivKey(alg, std::move(ec).value(), policy, KeyOrigin::kImported);
}

Result<PivKey> PivKey::import_rsa(Algorithm alg, const crypto::RsaCrtParts& parts, KeyPolicy policy) {
  if (!is_rsa(alg)) return usage("RSA parts for a non-RSA algorithm");
  auto rsa = crypto::RsaKey::from_crt(parts);
  if (!rsa || rsa->bits() != rsa_bits(alg)) return usage("invalid RSA key or wrong size");
  return PivKey(alg, std::move(rsa).value(), policy, KeyOrigin::kImported);
}

Result<PivKey> PivKey::load(const json& j) {
  try {
    const auto alg = algorithm_from_name(j.at("algorithm").get<std::string>());
    const auto pin = pin_policy_from_name(j.value("pin_policy", std::string("once")));
    const auto touch = touch_policy_from_name(j.value("touch_policy", std::string("never")));
    auto der = from_hex(j.at("pkcs8").get<std::string>());
    const int origin = j.value("origin", 1);
    if (!alg || is_symmetric(*alg) || !pin || !touch || !der || (origin != 1 && origin != 2))
      return Error::make(ErrorKind::kMalformed, "piv key: bad algorithm, policy, origin or hex");
    const KeyPolicy policy{*pin, *touch};
    const auto kind = static_cast<KeyOrigin>(origin);
    Result<PivKey> out = usage("unreachable");
    if (is_ec(*alg)) {
      auto ec = crypto::EcKey::from_pkcs8(*der);
      out = ec && ec->curve() == curve_of(*alg)
                ? Result<PivKey>(PivKey(*alg, std::move(ec).value(), policy, kind))
                : Error::make(ErrorKind::kMalformed, "piv key: not a matching EC key");
    } else {
      auto rsa = crypto::RsaKey::from_pkcs8(*der);
      out = rsa && rsa->bits() == rsa_bits(*alg)
                ? Result<PivKey>(PivKey(*alg, std::move(rsa).value(), policy, kind))
                : Error::make(ErrorKind::kMalformed, "piv key: not a matching RSA key");
    }
    wipe(*der);
    return out;
  } catch (const json::exception& e) {
    return Error::make(ErrorKind::kMalformed, std::string("piv key: ") + e.what());
  }
}

EVP_PKEY* PivKey::pkey() const {
  return std::visit([](const auto& k) { return k.pkey(); }, key_);
}

Bytes PivKey::spki() const {
  return std::visit([](const auto& k) { return k.spki(); }, key_);
}

Bytes PivKey::public_key_tlvs() const {
  if (const auto* ec = std::get_if<crypto::EcKey>(&key_))
    return iso7816::encode_tlv(0x86, ec->public_point());
  const auto& rsa = std::get<crypto::RsaKey>(key_);
  Bytes out = iso7816::encode_tlv(0x81, rsa.modulus());
  iso7816::append_tlv(out, 0x82, rsa.public_exponent());
  return out;
}

Result<Bytes> PivKey::private_operation(ByteView input) const {
  if (const auto* ec = std::get_if<crypto::EcKey>(&key_)) {
    // The hash is fitted to the field size: the leftmost bytes of a longer hash, a shorter one zero-padded
    // on the left (the same integer), as ECDSA and a YubiKey treat it.
    const size_t n = crypto::curve_bytes(ec->curve());
    if (input.empty()) return usage("empty ECDSA input");
    Bytes digest(n, 0);
    const size_t take = std::min(n, input.size());
    std::copy_n(input.begin(), take, digest.begin() + static_cast<std::ptrdiff_t>(n - take));
    return ec->sign_digest(digest);
  }
  auto out = std::get<crypto::RsaKey>(key_).raw_private(input);
  if (!out) return usage("RSA input is not a block below the modulus");
  return out;
}

bool PivKey::accepts_input(size_t size) const {
  // RSA: exactly one modulus-sized block. EC: a hash of up to SHA-512 size.
  if (is_rsa(algorithm_)) return size == static_cast<size_t>(EVP_PKEY_get_size(pkey()));
  return size > 0 && size <= 64;
}

Result<Bytes> PivKey::ecdh(ByteView peer_point) const {
  const auto* ec = std::get_if<crypto::EcKey>(&key_);
  if (!ec) return usage("ECDH needs an EC key");
  if (peer_point.size() != 1 + 2 * crypto::curve_bytes(ec->curve()))
    return usage("peer point has the wrong size");
  auto secret = ec->ecdh(peer_point);
  if (!secret) return usage("peer point is not on the curve");
  return secret;
}

json PivKey::save() const {
  return json{{"algorithm", algorithm_name(algorithm_)},
              {"pkcs8", pkcs8_hex_},
              {"pin_policy", policy_name(policy_.pin)},
              {"touch_policy", policy_name(policy_.touch)},
              {"origin", static_cast<int>(origin_)}};
}

}  // namespace keydesk::card::piv
