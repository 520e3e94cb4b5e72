#include "card/hsm/hsm_applet.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include <algorithm>
#include <cstdio>

#include "crypto/digest.h"
#include "crypto/random.h"
#include "iso7816/tlv.h"

namespace keydesk::card::hsm {
namespace sw = iso7816::sw;
namespace p = protocol::sc_hsm;
using iso7816::StatusWord;
using p::read_be16;

namespace {

constexpr size_t kMaxFileSize = 4096;
constexpr uint8_t kDeviceKeyId = 0x00;  // CC00: the device authentication key, listed but never usable
constexpr const char* kIssuerReference = "DESIMCA00001";  // the simulator's own device issuer (CAR)

// The domain parameters a CV-certificate public key carries (BSI TR-03110 part 3, D.3.3): prime (81),
// coefficients a (82) and b (83), base point (84), order (85), public point (86), cofactor (87).
struct Domain {
  Bytes prime, a, b, generator, order, cofactor;
};

Bytes bn_bytes(const BIGNUM* bn, size_t width) {
  Bytes out(width);
  BN_bn2binpad(bn, out.data(), static_cast<int>(width));
  return out;
}

Domain domain_of(crypto::Curve curve) {
  const int nid = curve == crypto::Curve::kP256 ? NID_X9_62_prime256v1 : NID_secp384r1;
  const size_t width = crypto::curve_bytes(curve);
  EC_GROUP* group = EC_GROUP_new_by_curve_name(nid);
  BIGNUM *prime = BN_new(), *a = BN_new(), *b = BN_new();
  EC_GROUP_get_curve(group, prime, a, b, nullptr);
  Domain d{bn_bytes(prime, width), bn_bytes(a, width), bn_bytes(b, width), {}, {}, {}};
  const EC_POINT* g = EC_GROUP_get0_generator(group);
  d.generator.resize(1 + 2 * width);
  EC_POINT_point2oct(group, g, POINT_CONVERSION_UNCOMPRESSED, d.generator.data(), d.generator.size(),
                     nullptr);
  d.order = bn_bytes(EC_GROUP_get0_order(group), width);
  d.cofactor = bn_bytes(EC_GROUP_get0_cofactor(group), 1);
  BN_free(prime);
  BN_free(a);
  BN_free(b);
  EC_GROUP_free(group);
  return d;
}

const Domain& domain(crypto::Curve curve) {
  static const Domain p256 = domain_of(crypto::Curve::kP256);
  static const Domain p384 = domain_of(crypto::Curve::kP384);
  return curve == crypto::Curve::kP256 ? p256 : p384;
}

std::optional<crypto::Curve> curve_of_prime(ByteView prime) {
  for (auto curve : {crypto::Curve::kP256, crypto::Curve::kP384})
    if (std::equal(prime.begin(), prime.end(), domain(curve).prime.begin(), domain(curve).prime.end()))
      return curve;
  return std::nullopt;
}

// 7F49: the public key with its curve's domain parameters (what OpenSC reads the curve from).
Bytes public_key_object(ByteView oid, const crypto::EcKey& key, bool with_domain) {
  Bytes inner;
  iso7816::append_tlv(inner, 0x06, oid);
  if (with_domain) {
    const Domain& d = domain(key.curve());
    iso7816::append_tlv(inner, 0x81, d.prime);
    iso7816::append_tlv(inner, 0x82, d.a);
    iso7816::append_tlv(inner, 0x83, d.b);
    iso7816::append_tlv(inner, 0x84, d.generator);
    iso7816::append_tlv(inner, 0x85, d.order);
  }
  iso7816::append_tlv(inner, 0x86, key.public_point());
  if (with_domain) iso7816::append_tlv(inner, 0x87, domain(key.curve()).cofactor);
  return iso7816::encode_tlv(p::kTagCvPublicKey, inner);
}

// A CV signature is the plain concatenation r || s (BSI TR-03111), not DER.
Result<Bytes> plain_signature(const crypto::EcKey& signer, ByteView message) {
  const Bytes digest = crypto::hash(crypto::HashAlg::kSha256, message);
  KD_ASSIGN_OR_RETURN(Bytes der, signer.sign_digest(digest));
  size_t pos = 0;
  KD_ASSIGN_OR_RETURN(auto sequence, iso7816::read_tlv(der, pos));
  KD_ASSIGN_OR_RETURN(auto parts, iso7816::parse_tlvs(sequence.value));
  if (parts.size() != 2) return Error::make(ErrorKind::kMalformed, "ECDSA signature");
  const size_t width = crypto::curve_bytes(signer.curve());
  Bytes out;
  for (const auto& part : parts) {
    Bytes v = part.value;
    while (v.size() > width && v.front() == 0) v.erase(v.begin());
    if (v.size() > width) return Error::make(ErrorKind::kMalformed, "ECDSA signature");
    out.insert(out.end(), width - v.size(), 0);
    append(out, v);
  }
  return out;
}

// 7F21 { 7F4E body, 5F37 signature by `signer` over the body }.
Result<Bytes> cv_certificate(ByteView body, const crypto::EcKey& signer) {
  const Bytes body_object = iso7816::encode_tlv(p::kTagCvBody, body);
  KD_ASSIGN_OR_RETURN(Bytes signature, plain_signature(signer, body_object));
  Bytes inner = body_object;
  iso7816::append_tlv(inner, p::kTagCvSignature, signature);
  return iso7816::encode_tlv(p::kTagCvCertificate, inner);
}

Bytes cv_body(std::string_view car, const Bytes& public_key, std::string_view chr) {
  Bytes body;
  iso7816::append_tlv(body, p::kTagCvProfile, Bytes{0x00});
  iso7816::append_tlv(body, p::kTagCar, bytes_of(car));
  append(body, public_key);
  iso7816::append_tlv(body, p::kTagChr, bytes_of(chr));
  return body;
}

std::string random_device_id() {
  const Bytes r = crypto::random_bytes(4);
  char digits[8];
  std::snprintf(digits, sizeof digits, "%06u", read_be32(r) % 1000000u);
  return std::string("DESIM") + digits;
}

std::string fid_key(uint16_t fid) {
  char text[5];
  std::snprintf(text, sizeof text, "%04x", fid);
  return text;
}

std::optional<uint16_t> parse_fid_key(const std::string& text) {
  auto raw = from_hex(text);
  if (!raw || raw->size() != 2 || text != fid_key(read_be16(*raw))) return std::nullopt;
  return read_be16(*raw);
}

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x21 && c <= 0x7E; });
}

const EVP_MD* sign_hash(uint8_t algorithm) {
  switch (algorithm) {
    case p::kAlgEcdsaSha1:
      return EVP_sha1();
    case p::kAlgEcdsaSha224:
      return EVP_sha224();
    case p::kAlgEcdsaSha256:
      return EVP_sha256();
    case p::kAlgEcdsaSha384:
      return EVP_sha384();
    case p::kAlgEcdsaSha512:
      return EVP_sha512();
    default:
      return nullptr;
  }
}

}  // namespace

json HsmSecret::save() const {
  return json{{"value", to_hex(value)}, {"max", max}, {"remaining", remaining}};
}

Status HsmSecret::load(const json& j, const char* name, uint8_t max_allowed) {
  const std::string where = std::string("hsm.") + name;
  if (!j.is_object()) return Error::make(ErrorKind::kMalformed, where);
  std::optional<Bytes> v = j.contains("text") ? std::optional<Bytes>(bytes_of(j["text"].get<std::string>()))
                                              : from_hex(j.value("value", std::string{}));
  if (!v) return Error::make(ErrorKind::kMalformed, where + ".value");
  const json m = j.value("max", json(max_allowed == p::kSoPinMaxTries ? 15u : 3u));
  if (!m.is_number_unsigned() || m.get<uint64_t>() == 0 || m.get<uint64_t>() > max_allowed)
    return Error::make(ErrorKind::kMalformed, where + ".max");
  const json r = j.value("remaining", m);
  if (!r.is_number_unsigned() || r.get<uint64_t>() > m.get<uint64_t>())
    return Error::make(ErrorKind::kMalformed, where + ".remaining");
  value = std::move(*v);
  max = m.get<uint8_t>();
  remaining = r.get<uint8_t>();
  return {};
}

ByteView HsmApplet::aid() const {
  return p::kAid;
}

void HsmApplet::reset_volatile() {
  user_verified_ = false;
  current_file_.reset();
}

ResponseApdu HsmApplet::select(const CommandApdu&) {
  // Selecting the applet again logs out (the user PIN must be verified again).
  reset_volatile();
  p::AppletInfo shown = info_;
  shown.options = options_;
  return ResponseApdu::success(p::encode_fcp(shown, applet_type_));
}

ResponseApdu HsmApplet::process(const CommandApdu& cmd) {
  const protocol::Instruction* instruction = p::find_instruction(cmd.cla, cmd.ins);
  if (!instruction) {
    const bool other_class = p::find_instruction(cmd.cla ^ 0x80, cmd.ins) != nullptr;
    return ResponseApdu::status(other_class ? sw::kClaNotSupported : sw::kInsNotSupported);
  }
  switch (cmd.ins) {
    case p::kInsSelect:
      return select_file(cmd);
    case p::kInsVerify:
      return verify(cmd);
    case p::kInsChangeReferenceData:
      return change_reference_data(cmd);
    case p::kInsResetRetryCounter:
      return reset_retry_counter(cmd);
    case p::kInsInitialize:
      return initialize(cmd);
    case p::kInsImportDkekShare:
      return dkek(cmd);
    case p::kInsEnumerateObjects:
      return enumerate_objects(cmd);
    case p::kInsReadBinary:
      return read_binary(cmd);
    case p::kInsUpdateBinary:
      return update_binary(cmd);
    case p::kInsDeleteFile:
      return delete_file(cmd);
    case p::kInsGenerateKeyPair:
      return generate_key_pair(cmd);
    case p::kInsSign:
      return sign(cmd);
    case p::kInsGetChallenge:
      return get_challenge(cmd);
    default:
      return ResponseApdu::status(sw::kInsNotSupported);
  }
}

std::optional<Bytes> HsmApplet::file(uint16_t fid) const {
  if (fid == p::kFileDeviceCertificate) return device_certificates_;
  auto it = files_.find(fid);
  if (it == files_.end()) return std::nullopt;
  return it->second;
}

ResponseApdu HsmApplet::select_file(const CommandApdu& cmd) {
  // SELECT by file identifier (P1 00 or 02); the applet itself is selected by the card (P1 04).
  if ((cmd.p1 != 0x00 && cmd.p1 != 0x02) || cmd.data.size() != 2)
    return ResponseApdu::status(sw::kFileNotFound);
  const uint16_t fid = read_be16(cmd.data);
  auto content = file(fid);
  if (!content) return ResponseApdu::status(sw::kFileNotFound);
  current_file_ = fid;
  Bytes fcp;
  Bytes size;
  append_be16(size, static_cast<uint16_t>(content->size()));
  iso7816::append_tlv(fcp, 0x80, size);
  iso7816::append_tlv(fcp, 0x82, Bytes{0x01});  // transparent working EF
  iso7816::append_tlv(fcp, 0x83, ByteView(cmd.data));
  return ResponseApdu::success(iso7816::encode_tlv(0x62, fcp));
}

iso7816::StatusWord HsmApplet::check_so_pin(ByteView candidate) {
  if (so_pin_.blocked()) return sw::kAuthBlocked;
  if (equal_ct(candidate, so_pin_.value)) {
    so_pin_.remaining = so_pin_.max;
    return sw::kOk;
  }
  --so_pin_.remaining;
  return sw::retries_left(so_pin_.remaining);
}

ResponseApdu HsmApplet::verify(const CommandApdu& cmd) {
  if (cmd.p1 != 0x00) return ResponseApdu::status(sw::kIncorrectP1P2);
  if (cmd.p2 == p::kSoPin) {
    // Without data: the SO-PIN's tries, never spending one (sc-hsm-tool's status block).
    if (!initialized()) return ResponseApdu::status(sw::kReferenceNotFound);
    if (so_pin_.blocked()) return ResponseApdu::status(sw::kAuthBlocked);
    if (cmd.data.empty()) return ResponseApdu::status(sw::retries_left(so_pin_.remaining));
    if (cmd.data.size() != p::kSoPinBytes) return ResponseApdu::status(sw::kWrongLength);
    return ResponseApdu::status(check_so_pin(cmd.data));
  }
  if (cmd.p2 != p::kUserPin) return ResponseApdu::status(sw::kReferenceNotFound);  // 85, 86: no PIN pad
  if (!initialized()) return ResponseApdu::status(sw::kReferenceNotFound);
  if (user_pin_.blocked()) return ResponseApdu::status(sw::kAuthBlocked);
  // A transport PIN must be changed before it can be used (option 0002 at initialisation).
  if (transport_pin_) return ResponseApdu::status(sw::kDataInvalid);
  if (cmd.data.empty())
    return ResponseApdu::status(user_verified_ ? sw::kOk : sw::retries_left(user_pin_.remaining));
  if (equal_ct(cmd.data, user_pin_.value)) {
    user_pin_.remaining = user_pin_.max;
    user_verified_ = true;
    return ResponseApdu::status(sw::kOk);
  }
  user_verified_ = false;
  --user_pin_.remaining;
  return ResponseApdu::status(sw::retries_left(user_pin_.remaining));
}

ResponseApdu HsmApplet::change_reference_data(const CommandApdu& cmd) {
  if (cmd.p1 != 0x00) return ResponseApdu::status(sw::kIncorrectP1P2);
  if (cmd.p2 == p::kSoPin) {
    // Old and new SO-PIN, 8 bytes each.
    if (cmd.data.size() != 2 * p::kSoPinBytes) return ResponseApdu::status(sw::kWrongLength);
    if (!initialized()) return ResponseApdu::status(sw::kReferenceNotFound);
    const StatusWord result = check_so_pin(ByteView(cmd.data).first(p::kSoPinBytes));
    if (result.ok()) so_pin_.value.assign(cmd.data.begin() + p::kSoPinBytes, cmd.data.end());
    return ResponseApdu::status(result);
  }
  if (cmd.p2 != p::kUserPin) return ResponseApdu::status(sw::kReferenceNotFound);
  if (!initialized()) return ResponseApdu::status(sw::kReferenceNotFound);
  if (user_pin_.blocked()) return ResponseApdu::status(sw::kAuthBlocked);
  // Old PIN || new PIN: the card knows the old PIN's length. A new PIN of the wrong length is refused
  // before the old one is tried.
  const size_t old_length = user_pin_.value.size();
  if (cmd.data.size() < old_length + p::kUserPinMinLength ||
      cmd.data.size() > old_length + p::kUserPinMaxLength)
    return ResponseApdu::status(sw::kIncorrectData);
  if (!equal_ct(ByteView(cmd.data).first(old_length), user_pin_.value)) {
    user_verified_ = false;
    --user_pin_.remaining;
    return ResponseApdu::status(sw::retries_left(user_pin_.remaining));
  }
  user_pin_.value.assign(cmd.data.begin() + static_cast<std::ptrdiff_t>(old_length), cmd.data.end());
  user_pin_.remaining = user_pin_.max;
  transport_pin_ = false;
  user_verified_ = true;
  return ResponseApdu::status(sw::kOk);
}

ResponseApdu HsmApplet::reset_retry_counter(const CommandApdu& cmd) {
  if (cmd.p2 != p::kUserPin || (cmd.p1 != 0x00 && cmd.p1 != 0x01))
    return ResponseApdu::status(sw::kIncorrectP1P2);
  if (!initialized()) return ResponseApdu::status(sw::kReferenceNotFound);
  // Only where the initialisation enabled it; refused before the SO-PIN is looked at.
  if ((options_ & p::kOptionResetRetryCounter) == 0) return ResponseApdu::status(sw::kCommandNotAllowed);
  // P1 00: SO-PIN || new user PIN; P1 01: SO-PIN only (the counter is reset, the PIN kept).
  if (cmd.p1 == 0x01 ? cmd.data.size() != p::kSoPinBytes
                     : cmd.data.size() < p::kSoPinBytes + p::kUserPinMinLength ||
                           cmd.data.size() > p::kSoPinBytes + p::kUserPinMaxLength)
    return ResponseApdu::status(cmd.p1 == 0x01 ? sw::kWrongLength : sw::kIncorrectData);
  const StatusWord result = check_so_pin(ByteView(cmd.data).first(p::kSoPinBytes));
  if (!result.ok()) return ResponseApdu::status(result);
  if (cmd.p1 == 0x00) {
    user_pin_.value.assign(cmd.data.begin() + p::kSoPinBytes, cmd.data.end());
    transport_pin_ = false;
  }
  user_pin_.remaining = user_pin_.max;
  return ResponseApdu::status(sw::kOk);
}

ResponseApdu HsmApplet::initialize(const CommandApdu& cmd) {
  if (cmd.p1 != 0x00 || cmd.p2 != 0x00) return ResponseApdu::status(sw::kIncorrectP1P2);
  if (cmd.data.empty()) return ResponseApdu::status(sw::kWrongLength);
  auto tlvs = iso7816::parse_tlvs(cmd.data);
  if (!tlvs) return ResponseApdu::status(sw::kIncorrectData);
  const auto* options = iso7816::find_tlv(*tlvs, p::kTagOptions);
  const auto* user_pin = iso7816::find_tlv(*tlvs, p::kTagUserPin);
  const auto* so_pin = iso7816::find_tlv(*tlvs, p::kTagSoPin);
  const auto* tries = iso7816::find_tlv(*tlvs, p::kTagUserPinTries);
  const auto* shares = iso7816::find_tlv(*tlvs, p::kTagDkekShares);
  // Everything is checked before the SO-PIN is: a malformed command spends nothing.
  if (!options || options->value.size() != 2 || !user_pin || !so_pin ||
      so_pin->value.size() != p::kSoPinBytes || user_pin->value.size() < p::kUserPinMinLength ||
      user_pin->value.size() > p::kUserPinMaxLength)
    return ResponseApdu::status(sw::kIncorrectData);
  if (tries && (tries->value.size() != 1 || tries->value[0] == 0 || tries->value[0] > p::kUserPinMaxTries))
    return ResponseApdu::status(sw::kIncorrectData);
  if (shares && shares->value.size() != 1) return ResponseApdu::status(sw::kIncorrectData);
  // Public key authentication (n-of-m) is not simulated.
  if (iso7816::find_tlv(*tlvs, p::kTagPublicKeyAuth)) return ResponseApdu::status(sw::kFunctionNotSupported);

  if (initialized()) {
    // Re-initialisation: the SO-PIN given must be the current one; a wrong one spends an SO try.
    const StatusWord result = check_so_pin(so_pin->value);
    if (!result.ok()) return ResponseApdu::status(result);
  } else {
    so_pin_.value = so_pin->value;
    so_pin_.max = so_pin_.remaining = p::kSoPinMaxTries;
  }
  // Every key and file goes; the device key and its certificates stay (they are the device's identity).
  files_.clear();
  keys_.clear();
  options_ = read_be16(options->value);
  user_pin_.value = user_pin->value;
  user_pin_.max = user_pin_.remaining = tries ? tries->value[0] : p::kUserPinDefaultTries;
  transport_pin_ = (options_ & p::kOptionTransportPin) != 0;
  if (shares)
    dkek_ = DkekState{shares->value[0], shares->value[0], Bytes(8, 0)};
  else
    dkek_.reset();
  reset_volatile();
  return ResponseApdu::status(sw::kOk);
}

ResponseApdu HsmApplet::dkek(const CommandApdu& cmd) const {
  if (cmd.p1 != 0x00 || cmd.p2 != 0x00) return ResponseApdu::status(sw::kIncorrectP1P2);
  // A device initialised without DKEK shares has no key wrapping: the status query is not supported.
  if (!dkek_) return ResponseApdu::status(sw::kInsNotSupported);
  // Importing shares (key wrapping) is not simulated.
  if (!cmd.data.empty()) return ResponseApdu::status(sw::kFunctionNotSupported);
  Bytes out{dkek_->shares, dkek_->outstanding};
  append(out, dkek_->key_check_value);
  return ResponseApdu::success(std::move(out));
}

ResponseApdu HsmApplet::enumerate_objects(const CommandApdu& cmd) const {
  if (cmd.p1 != 0x00 || cmd.p2 != 0x00) return ResponseApdu::status(sw::kIncorrectP1P2);
  Bytes out{p::kPrefixKey, kDeviceKeyId};
  for (const auto& [id, key] : keys_) {
    out.push_back(p::kPrefixKey);
    out.push_back(id);
  }
  for (const auto& [fid, content] : files_) append_be16(out, fid);
  return ResponseApdu::success(std::move(out));
}

ResponseApdu HsmApplet::read_binary(const CommandApdu& cmd) {
  // Odd INS B1: P1 P2 name the file (0000: the current one), data 54 02 <offset>.
  if (cmd.data.size() != 4 || cmd.data[0] != 0x54 || cmd.data[1] != 0x02)
    return ResponseApdu::status(sw::kIncorrectData);
  uint16_t fid = static_cast<uint16_t>(cmd.p1 << 8 | cmd.p2);
  if (fid == 0) {
    if (!current_file_) return ResponseApdu::status(sw::kCommandNotAllowed);
    fid = *current_file_;
  }
  const uint8_t prefix = static_cast<uint8_t>(fid >> 8);
  if (prefix == p::kPrefixKey) return ResponseApdu::status(sw::kSecurityNotSatisfied);
  auto content = file(fid);
  if (!content) return ResponseApdu::status(sw::kFileNotFound);
  if (prefix == p::kPrefixProtectedData && !user_verified_)
    return ResponseApdu::status(sw::kSecurityNotSatisfied);
  current_file_ = fid;
  const size_t offset = read_be16(ByteView(cmd.data).subspan(2));
  if (offset > content->size()) return ResponseApdu::status(sw::kWrongP1P2);
  // At the end of the file: no data and 6282, which ends OpenSC's read loop.
  if (offset == content->size()) return ResponseApdu::status(StatusWord(0x6282));
  const size_t wanted = cmd.ne == 0 ? 256 : cmd.ne;
  const size_t n = std::min(wanted, content->size() - offset);
  return ResponseApdu::success(Bytes(content->begin() + static_cast<std::ptrdiff_t>(offset),
                                     content->begin() + static_cast<std::ptrdiff_t>(offset + n)));
}

ResponseApdu HsmApplet::update_binary(const CommandApdu& cmd) {
  // Odd INS D7: P1 P2 name the file (created when absent; 0000: the current one),
  // data 54 02 <offset> 53 L <data>.
  auto tlvs = iso7816::parse_tlvs(cmd.data);
  const auto* offset_object = tlvs ? iso7816::find_tlv(*tlvs, 0x54) : nullptr;
  const auto* data_object = tlvs ? iso7816::find_tlv(*tlvs, 0x53) : nullptr;
  if (!offset_object || offset_object->value.size() != 2 || !data_object)
    return ResponseApdu::status(sw::kIncorrectData);
  if (!initialized() || !user_verified_) return ResponseApdu::status(sw::kSecurityNotSatisfied);
  uint16_t fid = static_cast<uint16_t>(cmd.p1 << 8 | cmd.p2);
  if (fid == 0) {
    if (!current_file_) return ResponseApdu::status(sw::kCommandNotAllowed);
    fid = *current_file_;
  }
  const uint8_t prefix = static_cast<uint8_t>(fid >> 8);
  if (fid == p::kFileDeviceCertificate || prefix == p::kPrefixKey || fid == 0x3F00)
    return ResponseApdu::status(sw::kSecurityNotSatisfied);
  const size_t offset = read_be16(offset_object->value);
  Bytes& content = files_[fid];
  if (offset > content.size() || offset + data_object->value.size() > kMaxFileSize) {
    if (content.empty() && offset != 0) files_.erase(fid);
    return ResponseApdu::status(offset > content.size() ? sw::kWrongP1P2 : sw::kNoSpace);
  }
  if (offset + data_object->value.size() > content.size()) content.resize(offset + data_object->value.size());
  std::copy(data_object->value.begin(), data_object->value.end(),
            content.begin() + static_cast<std::ptrdiff_t>(offset));
  current_file_ = fid;
  return ResponseApdu::status(sw::kOk);
}

ResponseApdu HsmApplet::delete_file(const CommandApdu& cmd) {
  if (cmd.p1 != 0x02 || cmd.p2 != 0x00) return ResponseApdu::status(sw::kIncorrectP1P2);
  if (cmd.data.size() != 2) return ResponseApdu::status(sw::kWrongLength);
  if (!initialized() || !user_verified_) return ResponseApdu::status(sw::kSecurityNotSatisfied);
  const uint16_t fid = read_be16(cmd.data);
  const uint8_t prefix = cmd.data[0], id = cmd.data[1];
  if (fid == p::kFileDeviceCertificate || (prefix == p::kPrefixKey && id == kDeviceKeyId))
    return ResponseApdu::status(sw::kSecurityNotSatisfied);
  const size_t erased = prefix == p::kPrefixKey ? keys_.erase(id) : files_.erase(fid);
  if (erased == 0) return ResponseApdu::status(sw::kFileNotFound);
  if (current_file_ == fid) current_file_.reset();
  return ResponseApdu::status(sw::kOk);
}

ResponseApdu HsmApplet::generate_key_pair(const CommandApdu& cmd) {
  // P1: the new key's id; P2: the key that authenticates the request (00: the device key).
  if (cmd.p1 == kDeviceKeyId || cmd.p2 != 0x00) return ResponseApdu::status(sw::kIncorrectP1P2);
  // Data: the body of the CV request the key answers with (CPI, CAR, public key template, CHR).
  auto tlvs = iso7816::parse_tlvs(cmd.data);
  if (!tlvs) return ResponseApdu::status(sw::kIncorrectData);
  const auto* car = iso7816::find_tlv(*tlvs, p::kTagCar);
  const auto* chr = iso7816::find_tlv(*tlvs, p::kTagChr);
  const auto* key_template = iso7816::find_tlv(*tlvs, p::kTagCvPublicKey);
  auto key_fields = key_template ? iso7816::parse_tlvs(key_template->value)
                                 : Result<std::vector<iso7816::Tlv>>(Error::make(ErrorKind::kMalformed, ""));
  if (!chr || !key_fields) return ResponseApdu::status(sw::kIncorrectData);
  const auto* oid = iso7816::find_tlv(*key_fields, 0x06);
  const auto* prime = iso7816::find_tlv(*key_fields, 0x81);
  if (!oid) return ResponseApdu::status(sw::kIncorrectData);
  // EC keys on P-256 and P-384; RSA and other curves are not simulated.
  const auto curve =
      prime ? curve_of_prime(prime->value) : std::optional<crypto::Curve>(crypto::Curve::kP256);
  if (!curve || oid->value.size() < 9 || oid->value[8] != 0x02)
    return ResponseApdu::status(sw::kFunctionNotSupported);
  if (!initialized() || !user_verified_) return ResponseApdu::status(sw::kSecurityNotSatisfied);

  crypto::EcKey key = crypto::EcKey::generate(*curve);
  const std::string car_text = car ? std::string(car->value.begin(), car->value.end()) : std::string();
  const std::string chr_text(chr->value.begin(), chr->value.end());
  // The answer is an authenticated request: the new key's self-signed CV request, signed again by the
  // device key (outer CAR: the device's CHR), which proves the key was generated in this device.
  auto request = cv_certificate(cv_body(car_text, public_key_object(oid->value, key, true), chr_text), key);
  if (!request) return ResponseApdu::status(sw::kNoDiagnosis);
  auto device_chr = p::certificate_holder_reference(device_certificates_);
  Bytes authenticated = *request;
  iso7816::append_tlv(authenticated, p::kTagCar, bytes_of(device_chr.value_or(device_id_)));
  auto outer = plain_signature(*device_key_, authenticated);
  if (!outer) return ResponseApdu::status(sw::kNoDiagnosis);
  iso7816::append_tlv(authenticated, p::kTagCvSignature, *outer);
  keys_.insert_or_assign(cmd.p1, HsmKey{key, to_hex(key.pkcs8())});
  return ResponseApdu::success(iso7816::encode_tlv(p::kTagAuthenticatedRequest, authenticated));
}

ResponseApdu HsmApplet::sign(const CommandApdu& cmd) const {
  if (!initialized() || !user_verified_) return ResponseApdu::status(sw::kSecurityNotSatisfied);
  if (cmd.p1 == kDeviceKeyId) return ResponseApdu::status(sw::kSecurityNotSatisfied);
  auto it = keys_.find(cmd.p1);
  if (it == keys_.end()) return ResponseApdu::status(sw::kReferenceNotFound);
  if (cmd.data.empty()) return ResponseApdu::status(sw::kWrongLength);
  Bytes digest;
  if (cmd.p2 == p::kAlgEcdsaRaw) {
    // The hash as given; ECDSA uses its leftmost bits (FIPS 186-4 6.4).
    if (cmd.data.size() > 64) return ResponseApdu::status(sw::kIncorrectData);
    digest = cmd.data;
  } else if (const EVP_MD* md = sign_hash(cmd.p2)) {
    digest.resize(EVP_MAX_MD_SIZE);
    unsigned length = 0;
    if (EVP_Digest(cmd.data.data(), cmd.data.size(), digest.data(), &length, md, nullptr) != 1)
      return ResponseApdu::status(sw::kNoDiagnosis);
    digest.resize(length);
  } else {
    return ResponseApdu::status(sw::kIncorrectP1P2);  // RSA and unknown algorithms
  }
  auto signature = it->second.key.sign_digest(digest);
  if (!signature) return ResponseApdu::status(sw::kNoDiagnosis);
  return ResponseApdu::success(std::move(*signature));
}

ResponseApdu HsmApplet::get_challenge(const CommandApdu& cmd) const {
  const size_t n = cmd.ne == 0 ? 8 : std::min<size_t>(cmd.ne, 1024);
  return ResponseApdu::success(crypto::random_bytes(n));
}

json HsmApplet::save() const {
  json files = json::object();
  for (const auto& [fid, content] : files_) files[fid_key(fid)] = to_hex(content);
  json keys = json::object();
  for (const auto& [id, key] : keys_) {
    char name[3];
    std::snprintf(name, sizeof name, "%02x", id);
    keys[name] = {{"curve", key.key.curve() == crypto::Curve::kP256 ? "P-256" : "P-384"},
                  {"pkcs8", key.pkcs8_hex}};
  }
  json dkek = nullptr;
  if (dkek_)
    dkek = {{"shares", dkek_->shares},
            {"outstanding", dkek_->outstanding},
            {"key_check_value", to_hex(dkek_->key_check_value)}};
  return json{{"version", info_.version()},
              {"applet_type", applet_type_},
              {"device_id", device_id_},
              {"device_key", device_key_hex_},
              {"device_certificates", to_hex(device_certificates_)},
              {"options", options_},
              {"so_pin", so_pin_.save()},
              {"user_pin", user_pin_.save()},
              {"transport_pin", transport_pin_},
              {"dkek", dkek},
              {"files", files},
              {"keys", keys}};
}

Status HsmApplet::load(const json& s) {
  auto bad = [](const std::string& field) { return Error::make(ErrorKind::kMalformed, "hsm." + field); };
  try {
    if (!s.is_object()) return bad("section");
    unsigned major = 0, minor = 0;
    const std::string version = s.value("version", std::string("3.5"));
    char rest = 0;
    if (std::sscanf(version.c_str(), "%u.%u%c", &major, &minor, &rest) != 2 || major > 255 || minor > 255 ||
        version != std::to_string(major) + "." + std::to_string(minor))
      return bad("version");
    info_ = {static_cast<uint8_t>(major), static_cast<uint8_t>(minor), 0};
    const json type = s.value("applet_type", json(255u));
    if (!type.is_number_unsigned() || type.get<uint64_t>() > 0xFF) return bad("applet_type");
    applet_type_ = type.get<uint8_t>();

    std::string id = s.value("device_id", std::string("random"));
    if (id == "random") id = random_device_id();
    if (id.size() < 3 || id.size() > 11 || !printable(id)) return bad("device_id");
    device_id_ = id;
    if (s.contains("device_key")) {
      auto der = from_hex(s["device_key"].get<std::string>());
      auto key = der ? crypto::EcKey::from_pkcs8(*der)
                     : Result<crypto::EcKey>(Error::make(ErrorKind::kMalformed, ""));
      if (!key || key->curve() != crypto::Curve::kP256) return bad("device_key");
      device_key_ = *key;
    } else {
      device_key_ = crypto::EcKey::generate(crypto::Curve::kP256);
    }
    device_key_hex_ = to_hex(device_key_->pkcs8());
    if (s.contains("device_certificates")) {
      auto raw = from_hex(s["device_certificates"].get<std::string>());
      if (!raw || !p::device_serial(*raw) || *p::device_serial(*raw) != device_id_)
        return bad("device_certificates");
      device_certificates_ = *raw;
    } else {
      // C_DevAut (CHR: device id + sequence 00000) issued by the simulator's own device issuer, then the
      // issuer's self-signed certificate: the chain OpenSC reads the device serial from.
      const crypto::EcKey issuer = crypto::EcKey::generate(crypto::Curve::kP256);
      const Bytes oid(p::kOidTaEcdsaSha256.begin(), p::kOidTaEcdsaSha256.end());
      auto device = cv_certificate(
          cv_body(kIssuerReference, public_key_object(oid, *device_key_, false), device_id_ + "00000"),
          issuer);
      auto issuer_certificate = cv_certificate(
          cv_body(kIssuerReference, public_key_object(oid, issuer, true), kIssuerReference), issuer);
      if (!device || !issuer_certificate) return bad("device_certificates");
      device_certificates_ = *device;
      append(device_certificates_, *issuer_certificate);
    }

    const json options = s.value("options", json(0u));
    if (!options.is_number_unsigned() || options.get<uint64_t>() > 0xFFFF) return bad("options");
    options_ = options.get<uint16_t>();
    KD_TRY(so_pin_.load(s.value("so_pin", json{{"value", ""}, {"max", 15u}, {"remaining", 15u}}), "so_pin",
                        p::kSoPinMaxTries));
    if (so_pin_.set() && (so_pin_.value.size() != p::kSoPinBytes || so_pin_.max != p::kSoPinMaxTries))
      return bad("so_pin");
    KD_TRY(user_pin_.load(s.value("user_pin", json{{"value", ""}, {"max", 3u}, {"remaining", 3u}}),
                          "user_pin", p::kUserPinMaxTries));
    if (user_pin_.set() != so_pin_.set() ||
        (user_pin_.set() &&
         (user_pin_.value.size() < p::kUserPinMinLength || user_pin_.value.size() > p::kUserPinMaxLength)))
      return bad("user_pin");
    const json transport = s.value("transport_pin", json(false));
    if (!transport.is_boolean()) return bad("transport_pin");
    transport_pin_ = transport.get<bool>();

    dkek_.reset();
    const json dkek = s.value("dkek", json(nullptr));
    if (!dkek.is_null()) {
      const json shares = dkek.value("shares", json(-1)), outstanding = dkek.value("outstanding", json(-1));
      auto kcv = from_hex(dkek.value("key_check_value", std::string()));
      if (!shares.is_number_unsigned() || shares.get<uint64_t>() > 0xFF ||
          !outstanding.is_number_unsigned() || outstanding.get<uint64_t>() > shares.get<uint64_t>() || !kcv ||
          kcv->size() != 8)
        return bad("dkek");
      dkek_ = DkekState{shares.get<uint8_t>(), outstanding.get<uint8_t>(), *kcv};
    }

    files_.clear();
    const json files = s.value("files", json::object());
    for (const auto& [name, value] : files.items()) {
      auto fid = parse_fid_key(name);
      auto content = value.is_string() ? from_hex(value.get<std::string>()) : std::nullopt;
      if (!fid || !content || content->size() > kMaxFileSize || *fid == p::kFileDeviceCertificate ||
          (*fid >> 8) == p::kPrefixKey)
        return bad("files/" + name);
      files_[*fid] = *content;
    }
    keys_.clear();
    const json keys = s.value("keys", json::object());
    for (const auto& [name, value] : keys.items()) {
      auto raw = from_hex(name);
      if (!raw || raw->size() != 1 || (*raw)[0] == kDeviceKeyId || to_hex(*raw) != name || !value.is_object())
        return bad("keys/" + name);
      auto der = from_hex(value.value("pkcs8", std::string()));
      auto key = der ? crypto::EcKey::from_pkcs8(*der)
                     : Result<crypto::EcKey>(Error::make(ErrorKind::kMalformed, ""));
      const std::string curve = value.value("curve", std::string());
      if (!key || curve != (key->curve() == crypto::Curve::kP256 ? "P-256" : "P-384"))
        return bad("keys/" + name);
      keys_.insert_or_assign((*raw)[0], HsmKey{*key, to_hex(key->pkcs8())});
    }
  } catch (const json::exception& e) {
    return Error::make(ErrorKind::kMalformed, std::string("hsm: ") + e.what());
  }
  reset_volatile();
  return {};
}

}  // namespace keydesk::card::hsm
