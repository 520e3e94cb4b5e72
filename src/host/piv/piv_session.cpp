#include "host/piv/piv_session.h"

#include "crypto/random.h"
#include "iso7816/tlv.h"

namespace keydesk::host::piv {
namespace {
constexpr uint8_t kInsVerify = 0x20, kInsChange = 0x24, kInsResetRetry = 0x2C, kInsAuthenticate = 0x87,
                  kInsGenerate = 0x47, kInsGetData = 0xCB, kInsVersion = 0xFD, kInsSerial = 0xF8,
                  kInsMetadata = 0xF7;
constexpr uint8_t kPin = 0x80, kPuk = 0x81, kManagementKey = 0x9B;
constexpr size_t kPinField = 8;
constexpr uint32_t kChuid = 0x5FC102;

// PINs travel right-padded with FF to 8 bytes.
Bytes padded(const Bytes& pin) {
  Bytes out(pin);
  if (out.size() < kPinField) out.resize(kPinField, 0xFF);
  return out;
}

uint8_t cipher_id(crypto::BlockCipher c) {
  switch (c) {
    case crypto::BlockCipher::kTdes:
      return 0x03;
    case crypto::BlockCipher::kAes128:
      return 0x08;
    case crypto::BlockCipher::kAes192:
      return 0x0A;
    case crypto::BlockCipher::kAes256:
      return 0x0C;
  }
  return 0x03;
}

uint32_t certificate_object(uint8_t slot) {
  switch (slot) {
    case 0x9A:
      return 0x5FC105;
    case 0x9C:
      return 0x5FC10A;
    case 0x9D:
      return 0x5FC10B;
    case 0x9E:
      return 0x5FC101;
    case 0xF9:
      return 0x5FFF01;
    default:
      return slot >= 0x82 && slot <= 0x95 ? 0x5FC10D + (slot - 0x82) : 0;
  }
}

// The value of `tag` inside the 7C dynamic authentication template of a GENERAL AUTHENTICATE answer.
Result<Bytes> template_value(ByteView data, uint32_t tag) {
  auto inner = iso7816::find_value(data, 0x7C);
  auto value = inner ? iso7816::find_value(*inner, tag) : std::nullopt;
  if (!value) return Error::make(ErrorKind::kMalformed, "PIV GENERAL AUTHENTICATE: unexpected answer");
  return *value;
}
}  // namespace

const Bytes& PivSession::aid() {
  static const Bytes kAid{0xA0, 0x00, 0x00, 0x03, 0x08};
  return kAid;
}

Status PivSession::select() {
  auto r = connection_.select(aid());
  if (!r) return r.error();
  if (!r->sw.ok()) return Error::make(ErrorKind::kNotSupported, "the token has no PIV applet", r->sw.value);
  return {};
}

Result<std::array<uint8_t, 3>> PivSession::version() {
  auto data = connection_.send_ok(CommandApdu::make(0x00, kInsVersion, 0x00, 0x00), "PIV GET VERSION");
  if (!data) return data.error();
  if (data->size() != 3) return Error::make(ErrorKind::kMalformed, "PIV GET VERSION: not 3 bytes");
  return std::array<uint8_t, 3>{(*data)[0], (*data)[1], (*data)[2]};
}

Result<uint32_t> PivSession::serial() {
  auto data = connection_.send_ok(CommandApdu::make(0x00, kInsSerial, 0x00, 0x00), "PIV GET SERIAL");
  if (!data) return data.error();
  if (data->size() != 4) return Error::make(ErrorKind::kMalformed, "PIV GET SERIAL: not 4 bytes");
  return read_be32(*data);
}

Result<VerifyResult> PivSession::pin_status() {
  auto r = connection_.send(CommandApdu::make(0x00, kInsVerify, 0x00, kPin));
  if (!r) return r.error();
  return verify_result_from_sw(r->sw, "PIV VERIFY (status)");
}

Status PivSession::logout() {
  auto r = connection_.send(CommandApdu::make(0x00, kInsVerify, 0xFF, kPin));
  if (!r) return r.error();
  if (!r->sw.ok()) return Error::sw(r->sw.value, "PIV VERIFY (reset security status)");
  return {};
}

Result<VerifyResult> PivSession::verify_pin(Bytes pin) {
  return present(kInsVerify, kPin, std::move(pin), {}, "PIV VERIFY");
}
Result<VerifyResult> PivSession::change_pin(Bytes current, Bytes next) {
  return present(kInsChange, kPin, std::move(current), std::move(next), "PIV CHANGE PIN");
}
Result<VerifyResult> PivSession::change_puk(Bytes current, Bytes next) {
  return present(kInsChange, kPuk, std::move(current), std::move(next), "PIV CHANGE PUK");
}
Result<VerifyResult> PivSession::unblock_pin(Bytes puk, Bytes new_pin) {
  return present(kInsResetRetry, kPin, std::move(puk), std::move(new_pin), "PIV RESET RETRY COUNTER");
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
  auto r = connection_.send(CommandApdu::make(0x00, kInsMetadata, 0x00, reference));
  if (!r) return r.error();
  // Tokens before 5.3 do not know the instruction; references a token lacks answer 6A88.
  if (r->sw == iso7816::sw::kInsNotSupported || r->sw == iso7816::sw::kReferenceNotFound)
    return std::optional<PivReferenceMetadata>{};
  if (!r->sw.ok()) return Error::sw(r->sw.value, "PIV GET METADATA");
  auto tlvs = iso7816::parse_tlvs(r->data);
  if (!tlvs) return tlvs.error();
  PivReferenceMetadata m;
  for (const auto& t : *tlvs) {
    if (t.tag == 0x01 && t.value.size() == 1) m.algorithm = t.value[0];
    if (t.tag == 0x05 && t.value.size() == 1) m.is_default = t.value[0] == 0x01;
    if (t.tag == 0x06 && t.value.size() == 2) {
      m.max_retries = t.value[0];
      m.remaining = t.value[1];
    }
  }
  return std::optional<PivReferenceMetadata>(m);
}

Status PivSession::authenticate(crypto::BlockCipher cipher, ByteView key) {
  const uint8_t alg = cipher_id(cipher);
  const Bytes request_witness = iso7816::encode_tlv(0x7C, iso7816::encode_tlv(0x80, {}));
  auto step1 =
      connection_.send_ok(CommandApdu::make(0x00, kInsAuthenticate, alg, kManagementKey, request_witness),
                          "PIV management key witness");
  if (!step1) return step1.error();
  auto encrypted_witness = template_value(*step1, 0x80);
  if (!encrypted_witness) return encrypted_witness.error();
  auto witness = crypto::ecb_decrypt(cipher, key, *encrypted_witness);
  if (!witness) return witness.error();
  const Bytes challenge = crypto::random_bytes(crypto::block_size(cipher));
  Bytes inner = iso7816::encode_tlv(0x80, *witness);
  iso7816::append_tlv(inner, 0x81, challenge);
  wipe(*witness);
  auto step2 = connection_.send_ok(
      CommandApdu::make(0x00, kInsAuthenticate, alg, kManagementKey, iso7816::encode_tlv(0x7C, inner)),
      "PIV management key authentication");
  if (!step2) return step2.error();
  auto card_answer = template_value(*step2, 0x82);
  auto expected = crypto::ecb_encrypt(cipher, key, challenge);
  if (!card_answer || !expected || !equal_ct(*card_answer, *expected))
    return Error::make(ErrorKind::kRefused, "the card's answer does not match the management key");
  return {};
}

Result<std::optional<Bytes>> PivSession::read_object(uint32_t object_id) {
  Bytes id;
  for (int shift = 16; shift >= 0; shift -= 8) id.push_back(static_cast<uint8_t>(object_id >> shift));
  auto r = connection_.send(CommandApdu::make(0x00, kInsGetData, 0x3F, 0xFF, iso7816::encode_tlv(0x5C, id)));
  if (!r) return r.error();
  if (r->sw == iso7816::sw::kFileNotFound) return std::optional<Bytes>{};
  if (!r->sw.ok()) return Error::sw(r->sw.value, "PIV GET DATA");
  auto content = iso7816::find_value(r->data, 0x53);
  if (!content) return Error::make(ErrorKind::kMalformed, "PIV GET DATA: no 53 template");
  return std::optional<Bytes>(std::move(*content));
}

Result<std::optional<Bytes>> PivSession::chuid() {
  return read_object(kChuid);
}

Result<std::optional<Bytes>> PivSession::guid() {
  auto chuid_data = chuid();
  if (!chuid_data || !*chuid_data) return chuid_data;
  auto guid_value = iso7816::find_value(**chuid_data, 0x34);
  if (!guid_value || guid_value->size() != 16)
    return Error::make(ErrorKind::kMalformed, "CHUID without a GUID");
  return std::optional<Bytes>(std::move(*guid_value));
}

Result<std::optional<Bytes>> PivSession::certificate(uint8_t slot) {
  const uint32_t object = certificate_object(slot);
  if (object == 0) return Error::make(ErrorKind::kUsage, "not a PIV key slot");
  auto content = read_object(object);
  if (!content || !*content) return content;
  auto der = iso7816::find_value(**content, 0x70);
  if (!der) return Error::make(ErrorKind::kMalformed, "certificate object without tag 70");
  return std::optional<Bytes>(std::move(*der));
}

Result<Bytes> PivSession::generate_key(uint8_t slot, uint8_t algorithm) {
  const Bytes control = iso7816::encode_tlv(0xAC, iso7816::encode_tlv(0x80, Bytes{algorithm}));
  auto data = connection_.send_ok(CommandApdu::make(0x00, kInsGenerate, 0x00, slot, control), "PIV GENERATE");
  if (!data) return data.error();
  auto public_key = iso7816::find_value(*data, 0x7F49);
  if (!public_key) return Error::make(ErrorKind::kMalformed, "PIV GENERATE: no 7F49 template");
  return *public_key;
}

Result<Bytes> PivSession::sign(uint8_t slot, uint8_t algorithm, ByteView input) {
  Bytes inner = iso7816::encode_tlv(0x82, {});
  iso7816::append_tlv(inner, 0x81, input);
  auto data = connection_.send_ok(
      CommandApdu::make(0x00, kInsAuthenticate, algorithm, slot, iso7816::encode_tlv(0x7C, inner)),
      "PIV sign");
  if (!data) return data.error();
  return template_value(*data, 0x82);
}

}  // namespace keydesk::host::piv
