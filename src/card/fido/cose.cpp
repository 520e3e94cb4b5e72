#include "card/fido/cose.h"

namespace keydesk::card::fido {
namespace {
constexpr int64_t kKty = 1, kAlg = 3, kCrv = -1, kX = -2, kY = -3;
constexpr int64_t kKtyEc2 = 2, kCrvP256 = 1, kKtyOkp = 1, kCrvEd25519 = 6;
constexpr size_t kCoordinate = 32;
}  // namespace

cbor::Value cose_ec2_key(ByteView point, int64_t alg) {
  return cbor::Map{{kKty, kKtyEc2},
                   {kAlg, alg},
                   {kCrv, kCrvP256},
                   {kX, cbor::Value::bytes(point.subspan(1, kCoordinate))},
                   {kY, cbor::Value::bytes(point.subspan(1 + kCoordinate, kCoordinate))}};
}

cbor::Value cose_okp_ed25519_key(ByteView public_key) {
  return cbor::Map{
      {kKty, kKtyOkp}, {kAlg, kCoseAlgEdDsa}, {kCrv, kCrvEd25519}, {kX, cbor::Value::bytes(public_key)}};
}

std::optional<Bytes> point_from_cose(const cbor::Value& key) {
  if (!key.is_map()) return std::nullopt;
  const cbor::Value* kty = key.find(kKty);
  const cbor::Value* crv = key.find(kCrv);
  const cbor::Value* x = key.find(kX);
  const cbor::Value* y = key.find(kY);
  if (!kty || !crv || !x || !y || !kty->is_integer() || kty->as_integer() != kKtyEc2 || !crv->is_integer() ||
      crv->as_integer() != kCrvP256 || !x->is_bytes() || !y->is_bytes() ||
      x->as_bytes().size() != kCoordinate || y->as_bytes().size() != kCoordinate)
    return std::nullopt;
  Bytes point{0x04};
  append(point, x->as_bytes());
  append(point, y->as_bytes());
  return point;
}

}  // namespace keydesk::card::fido
