#include "store/sealing.h"

#include "crypto/aead.h"
#include "crypto/digest.h"
#include "crypto/kdf.h"
#include "crypto/random.h"

namespace keydesk::store {
namespace {
constexpr uint8_t kSealFormat = 0x01;
constexpr size_t kHeaderSize = 5;

SecureBytes derive(const SecureBytes& data_key, std::string_view store_id, std::string_view purpose) {
  const Bytes salt = bytes_of("keydesk store " + std::string(store_id));
  return crypto::hkdf_sha256(data_key, salt, bytes_of(purpose), 32);
}

Bytes associated_data(ByteView header, const SealContext& c) {
  Bytes aad = bytes_of("keydesk-seal-v1");
  append(aad, header);
  append_field(aad, c.purpose);
  append_field(aad, c.subject);
  append_field(aad, c.field);
  return aad;
}
}  // namespace

void append_field(Bytes& out, std::string_view part) {
  append_be32(out, static_cast<uint32_t>(part.size()));
  out.insert(out.end(), part.begin(), part.end());
}
void append_field(Bytes& out, ByteView part) {
  append_be32(out, static_cast<uint32_t>(part.size()));
  append(out, part);
}

KeyRing::KeyRing(const SecureBytes& data_key, uint32_t generation, std::string_view store_id)
    : generation_(generation),
      seal_key_(derive(data_key, store_id, "keydesk seal key v1")),
      audit_key_(derive(data_key, store_id, "keydesk audit key v1")),
      record_key_(derive(data_key, store_id, "keydesk record key v1")) {}

Result<Bytes> KeyRing::seal(const SealContext& context, ByteView plaintext) const {
  Bytes out{kSealFormat};
  append_be32(out, generation_);
  const Bytes nonce = crypto::random_bytes(crypto::kGcmNonceSize);
  KD_ASSIGN_OR_RETURN(Bytes body,
                      crypto::aes256_gcm_seal(seal_key_, nonce, associated_data(out, context), plaintext));
  append(out, nonce);
  append(out, body);
  return out;
}

Result<SecureBytes> KeyRing::open(const SealContext& context, ByteView sealed) const {
  const std::string what = "sealed " + std::string(context.field) + " of " + std::string(context.subject);
  if (sealed.size() < kHeaderSize + crypto::kGcmNonceSize + crypto::kGcmTagSize || sealed[0] != kSealFormat)
    return Error::make(ErrorKind::kIntegrity, what + ": not a sealed value");
  const uint32_t generation = read_be32(sealed.subspan(1, 4));
  if (generation != generation_)
    return Error::make(ErrorKind::kIntegrity, what + ": sealed under data key generation " +
                                                  std::to_string(generation) +
                                                  ", which this store does not hold");
  auto opened = crypto::aes256_gcm_open(seal_key_, sealed.subspan(kHeaderSize, crypto::kGcmNonceSize),
                                        associated_data(sealed.first(kHeaderSize), context),
                                        sealed.subspan(kHeaderSize + crypto::kGcmNonceSize));
  if (!opened.ok() && opened.error().kind == ErrorKind::kIntegrity)
    return Error::make(ErrorKind::kIntegrity,
                       what + " does not open: it was changed, or moved from another row");
  return opened;
}

Bytes KeyRing::audit_mac(ByteView data) const {
  return crypto::hmac(crypto::HashAlg::kSha256, audit_key_, data);
}
Bytes KeyRing::record_mac(ByteView data) const {
  return crypto::hmac(crypto::HashAlg::kSha256, record_key_, data);
}

}  // namespace keydesk::store
