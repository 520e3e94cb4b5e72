#include "host/piv/piv_session.h"

#include "crypto/algorithm_ids.h"
#include "crypto/random.h"
#include "iso7816/tlv.h"

namespace keydesk::host::piv {
namespace {
using namespace protocol::piv;

// PINs travel right-padded with FF to 8 bytes.
Bytes padded(const Bytes& pin) {
  Bytes out(pin);
  if (out.size() < kPinFieldSize) out.resize(kPinFieldSize, kPinPadding);
  return out;
}

// The value of `tag` inside the 7C dynamic authentication template of a GENERAL AUTHENTICATE answer.
Result<Bytes> template_value(ByteView data, uint32_t tag) {
  auto inner = iso7816::find_value(data, kTagDynamicAuth);
  auto value = inner ? iso7816::find_value(*inner, tag) : std::nullopt;
  if (!value) return Error::make(ErrorKind::kMalformed, "PIV GENERAL AUTHENTICATE: unexpected answer");
  return *value;
}
}  // namespace

const Bytes& PivSession::aid() {
  static const Bytes bytes(kAidPrefix.begin(), kAidPrefix.end());
  return bytes;
}

Status PivSession::select() {
  auto r = connection_.select(aid());
  if (!r) return r.error();
  if (!r->sw.ok()) return Error::make(ErrorKind::kNotSupported, "the token has no PIV applet", r->sw.value);
  return {};
}

Result<std::array<uint8_t, 3>> PivSession::version() {
  auto data = connection_.send_ok(CommandApdu::make(0x00, kInsGetVersion, 0x00, 0x00), "PIV GET VERSION");
  if (!data) return data.error();
  if (data->size() != 3) return Error::make(ErrorKind::kMalformed, "PIV GET VERSION: not 3 bytes");
  return std::array<uint8_t, 3>{(*data)[0], (*data)[1], (*data)[2]};
}

Result<uint32_t> PivSession::serial() {
  auto data = connection_.send_ok(CommandApdu::make(0x00, kInsGetSerial, 0x00, 0x00), "PIV GET SERIAL");
  if (!data) return data.error();
  if (data->size() != 4) return Error::make(ErrorKind::kMalformed, "PIV GET SERIAL: not 4 bytes");
  return read_be32(*data);
}

Result<VerifyResult> PivSession::pin_status() {
  auto r = connection_.send(CommandApdu::make(0x00, kInsVerify, 0x00, kPinRef));
  if (!r) return r.error();
  return verify_result_from_sw(r->sw, "PIV VERIFY (status)");
}

Status PivSession::logout() {
  auto r = connection_.send(CommandApdu::make(0x00, kInsVerify, kVerifyLogout, kPinRef));
  if (!r) return r.error();
  if (!r->sw.ok()) return Error::sw(r->sw.value, "PIV VERIFY (reset security status)");
  return {};
}

Result<VerifyResult> PivSession::verify_pin(Bytes pin) {
  return present(kInsVerify, kPinRef, std::move(pin), {}, "PIV VERIFY");
}
Result<VerifyResult> PivSession::change_pin(Bytes current, Bytes next) {
  return present(kInsChangeReferenceData, kPinRef, std::move(current), std::move(next), "PIV CHANGE PIN");
}
Result<VerifyResult> PivSession::change_puk(Bytes current, Bytes next) {
  return present(kInsChangeReferenceData, kPukRef, std::move(current), std::move(next), "PIV CHANGE PUK");
}
Result<VerifyResult> PivSession::unblock_pin(Bytes puk, Bytes new_pin) {
  return present(kInsResetRetryCounter, kPinRef, std::move(puk), std::move(new_pin),
                 "PIV RESET RETRY COUNTER");
}

Result<VerifyResult> PivSession::present(uint8_t ins, uint8_t reference, Bytes first, Bytes second,
                                         const char* context) {
  Bytes data = padded(first);
  if (ins != kInsVerify) append(data, padded(second));
  wipe(first);
  wipe(second);
  CommandApdu cmd = CommandApdu::make(0x00, ins, 0x00, reference, std::move(data));
  auto r = connection_.send(cmd);
  wipe(cmd.data);
  if (!r) return r.error();
  return verify_result_from_sw(r->sw, context);
}

Result<std::optional<PivReferenceMetadata>> PivSession::metadata(uint8_t reference) {
  auto r = connection_.send(CommandApdu::make(0x00, kInsGetMetadata, 0x00, reference));
  if (!r) return r.error();
  // Tokens before 5.3 do not know the instruction; references a token lacks answer 6A88.
  if (r->sw == iso7816::sw::kInsNotSupported || r->sw == iso7816::sw::kReferenceNotFound)
    return std::optional<PivReferenceMetadata>{};
  if (!r->sw.ok()) return Error::sw(r->sw.value, "PIV GET METADATA");
  auto tlvs = iso7816::parse_tlvs(r->data);
  if (!tlvs) return tlvs.error();
  PivReferenceMetadata m;
  for (const auto& t : *tlvs) {
    if (t.tag == kMetaAlgorithm && t.value.size() == 1) m.algorithm = t.value[0];
    if (t.tag == kMetaIsDefault && t.value.size() == 1) m.is_default = t.value[0] == 0x01;
    if (t.tag == kMetaRetries && t.value.size() == 2) {
      m.max_retries = t.value[0];
      m.remaining = t.value[1];
    }
  }
  return std::optional<PivReferenceMetadata>(m);
}

Status PivSession::authenticate(crypto::BlockCipher cipher, ByteView key) {
  const uint8_t alg = crypto::piv_id_of(cipher);
  const Bytes request_witness = iso7816::encode_tlv(kTagDynamicAuth, iso7816::encode_tlv(kTagWitness, {}));
  auto step1 = connection_.send_ok(
      CommandApdu::make(0x00, kInsGeneralAuthenticate, alg, kManagementRef, request_witness),
      "PIV management key witness");
  if (!step1) return step1.error();
  auto encrypted_witness = template_value(*step1, kTagWitness);
  if (!encrypted_witness) return encrypted_witness.error();
  auto witness = crypto::ecb_decrypt(cipher, key, *encrypted_witness);
  if (!witness) return witness.error();
  const Bytes challenge = crypto::random_bytes(crypto::block_size(cipher));
  Bytes inner = iso7816::encode_tlv(kTagWitness, *witness);
  iso7816::append_tlv(inner, kTagChallenge, challenge);
  wipe(*witness);
  auto step2 = connection_.send_ok(CommandApdu::make(0x00, kInsGeneralAuthenticate, alg, kManagementRef,
                                                     iso7816::encode_tlv(kTagDynamicAuth, inner)),
                                   "PIV management key authentication");
  if (!step2) return step2.error();
  auto card_answer = template_value(*step2, kTagResponse);
  auto expected = crypto::ecb_encrypt(cipher, key, challenge);
  if (!card_answer || !expected || !equal_ct(*card_answer, *expected))
    return Error::make(ErrorKind::kRefused, "the card's answer does not match the management key");
  return {};
}

Result<std::optional<Bytes>> PivSession::read_object(uint32_t object_id) {
  Bytes id;
  for (int shift = 16; shift >= 0; shift -= 8) id.push_back(static_cast<uint8_t>(object_id >> shift));
  auto r = connection_.send(
      CommandApdu::make(0x00, kInsGetData, kDataP1, kDataP2, iso7816::encode_tlv(kTagObjectId, id)));
  if (!r) return r.error();
  if (r->sw == iso7816::sw::kFileNotFound) return std::optional<Bytes>{};
  if (!r->sw.ok()) return Error::sw(r->sw.value, "PIV GET DATA");
  auto content = iso7816::find_value(r->data, kTagObjectContent);
  if (!content) return Error::make(ErrorKind::kMalformed, "PIV GET DATA: no 53 template");
  return std::optional<Bytes>(std::move(*content));
}

Result<std::optional<Bytes>> PivSession::chuid() {
  return read_object(kChuidObject);
}

Result<std::optional<Bytes>> PivSession::guid() {
  auto chuid_data = chuid();
  if (!chuid_data || !*chuid_data) return chuid_data;
  auto guid_value = iso7816::find_value(**chuid_data, kTagGuid);
  if (!guid_value || guid_value->size() != 16)
    return Error::make(ErrorKind::kMalformed, "CHUID without a GUID");
  return std::optional<Bytes>(std::move(*guid_value));
}

Result<std::optional<Bytes>> PivSession::certificate(uint8_t slot) {
  const auto object = certificate_object(slot);
  if (!object) return Error::make(ErrorKind::kUsage, "not a PIV key slot");
  auto content = read_object(*object);
  if (!content || !*content) return content;
  auto der = iso7816::find_value(**content, kTagCertificate);
  if (!der) return Error::make(ErrorKind::kMalformed, "certificate object without tag 70");
  return std::optional<Bytes>(std::move(*der));
}

Result<Bytes> PivSession::generate_key(uint8_t slot, Algorithm algorithm) {
  const Bytes control = iso7816::encode_tlv(
      kTagControlTemplate, iso7816::encode_tlv(kTagAlgorithm, Bytes{static_cast<uint8_t>(algorithm)}));
  auto data =
      connection_.send_ok(CommandApdu::make(0x00, kInsGenerateKeyPair, 0x00, slot, control), "PIV GENERATE");
  if (!data) return data.error();
  auto public_key = iso7816::find_value(*data, kTagPublicKey);
  if (!public_key) return Error::make(ErrorKind::kMalformed, "PIV GENERATE: no 7F49 template");
  return *public_key;
}

Result<Bytes> PivSession::sign(uint8_t slot, Algorithm algorithm, ByteView input) {
  Bytes inner = iso7816::encode_tlv(kTagResponse, {});
  iso7816::append_tlv(inner, kTagChallenge, input);
  auto data =
      connection_.send_ok(CommandApdu::make(0x00, kInsGeneralAuthenticate, static_cast<uint8_t>(algorithm),
                                            slot, iso7816::encode_tlv(kTagDynamicAuth, inner)),
                          "PIV sign");
  if (!data) return data.error();
  return template_value(*data, kTagResponse);
}

}  // namespace keydesk::host::piv
