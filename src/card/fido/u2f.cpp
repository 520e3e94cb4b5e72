// CTAP1 / U2F commands of the authenticator (FIDO U2F raw message formats v1.2, CTAP 2.1 section 10):
// REGISTER, AUTHENTICATE and VERSION. Key handles are credential IDs of the CTAP2 credential store
// (ES256, credProtect 1) bound to the application parameter, so a key handle registered over U2F is
// also a non-discoverable credential for a CTAP2 getAssertion whose rpId hashes to that parameter (the
// WebAuthn appid extension), and a CTAP2 ES256 credential answers U2F AUTHENTICATE. Both share the
// token's signature counter.
#include "card/fido/u2f.h"

#include "card/fido/authenticator.h"
#include "protocol/u2f.h"

namespace keydesk::card::fido {
namespace {
using namespace protocol::u2f;
constexpr size_t kParamSize = 32;
constexpr uint8_t kRegisterReserved = 0x05;
constexpr uint8_t kUserVerificationRequired = 3;

Bytes status_only(uint16_t sw) {
  return {static_cast<uint8_t>(sw >> 8), static_cast<uint8_t>(sw)};
}

Bytes with_status(Bytes data, uint16_t sw) {
  data.push_back(static_cast<uint8_t>(sw >> 8));
  data.push_back(static_cast<uint8_t>(sw));
  return data;
}
}  // namespace

std::optional<U2fRequest> parse_u2f_request(ByteView m) {
  if (m.size() < 4) return std::nullopt;
  U2fRequest r{m[0], m[1], m[2], m[3], {}};
  const ByteView body = m.subspan(4);
  if (body.empty() || body.size() == 1) return r;     // case 1, or short Le only
  if (body[0] == 0x00 && body.size() == 3) return r;  // extended Le only
  if (body[0] == 0x00 && body.size() > 3) {           // extended Lc
    const size_t lc = (size_t{body[1]} << 8) | body[2];
    const size_t rest = body.size() - 3;
    if (rest != lc && rest != lc + 2) return std::nullopt;
    r.data.assign(body.begin() + 3, body.begin() + 3 + static_cast<std::ptrdiff_t>(lc));
    return r;
  }
  const size_t lc = body[0];
  const size_t rest = body.size() - 1;
  if (lc == 0 || (rest != lc && rest != lc + 1)) return std::nullopt;
  r.data.assign(body.begin() + 1, body.begin() + 1 + static_cast<std::ptrdiff_t>(lc));
  return r;
}

Bytes Authenticator::handle_u2f(ByteView message) {
  if (!profile_.speaks_u2f()) return status_only(kInsNotSupported);
  const auto parsed = parse_u2f_request(message);
  if (!parsed) return status_only(kWrongLength);
  return u2f(*parsed);
}

Bytes Authenticator::u2f(const U2fRequest& r) {
  if (!profile_.speaks_u2f()) return status_only(kInsNotSupported);
  if (r.cla != 0x00) return status_only(kClaNotSupported);
  // A U2F command, like any CTAP2 command other than the continuing ones, ends the stateful commands.
  pending_assertions_.reset();
  enumeration_.reset();

  if (r.ins == kInsVersion) {
    if (!r.data.empty()) return status_only(kWrongLength);
    return with_status(bytes_of("U2F_V2"), kNoError);
  }

  if (r.ins == kInsRegister) {
    // challenge parameter (32) || application parameter (32)
    if (r.data.size() != 2 * kParamSize) return status_only(kWrongLength);
    const ByteView challenge = ByteView(r.data).first(kParamSize);
    const ByteView application = ByteView(r.data).subspan(kParamSize);
    if (!context_.presence.request()) return status_only(kConditionsNotSatisfied);
    const Bytes key_handle = credentials_.new_credential_id(application);
    const Bytes public_point = credentials_.key_for(key_handle).ec_public_point();
    // Signed: 00 || application || challenge || key handle || public key (section 4.3).
    Bytes signed_data{0x00};
    append(signed_data, application);
    append(signed_data, challenge);
    append(signed_data, key_handle);
    append(signed_data, public_point);
    auto signature = attestation_.sign(signed_data);
    if (!signature) return status_only(0x6F00);
    Bytes out{kRegisterReserved};
    append(out, public_point);
    out.push_back(static_cast<uint8_t>(key_handle.size()));
    append(out, key_handle);
    append(out, attestation_.certificate());
    append(out, *signature);
    return with_status(std::move(out), kNoError);
  }

  if (r.ins == kInsAuthenticate) {
    // challenge (32) || application (32) || key handle length (1) || key handle
    if (r.data.size() < 2 * kParamSize + 1 || r.data.size() != 2 * kParamSize + 1 + r.data[2 * kParamSize])
      return status_only(kWrongLength);
    if (r.p1 != kCheckOnly && r.p1 != kEnforcePresence && r.p1 != kDontEnforcePresence)
      return status_only(kIncorrectP1P2);
    const ByteView challenge = ByteView(r.data).first(kParamSize);
    const ByteView application = ByteView(r.data).subspan(kParamSize, kParamSize);
    const ByteView key_handle = ByteView(r.data).subspan(2 * kParamSize + 1);
    const auto properties = credentials_.properties_of(key_handle, application);
    // U2F signs with P-256 only and cannot verify the user: EdDSA and userVerificationRequired
    // credentials are unknown here (CTAP 2.1 section 12.1).
    if (!properties || properties->algorithm != kCoseAlgEs256 ||
        properties->cred_protect == kUserVerificationRequired)
      return status_only(kWrongData);
    // check-only: "this key handle is mine" is answered with 6985, and nothing is signed or counted.
    if (r.p1 == kCheckOnly) return status_only(kConditionsNotSatisfied);
    const bool presence = r.p1 == kEnforcePresence;
    if (presence && !context_.presence.request()) return status_only(kConditionsNotSatisfied);
    // Signed: application || user presence || counter || challenge (section 5.4).
    Bytes out{static_cast<uint8_t>(presence ? kFlagUserPresent : 0x00)};
    append_be32(out, credentials_.next_sign_count());
    Bytes signed_data(application.begin(), application.end());
    append(signed_data, out);
    append(signed_data, challenge);
    auto signature = credentials_.key_for(key_handle).sign(signed_data);
    if (!signature) return status_only(0x6F00);
    append(out, *signature);
    return with_status(std::move(out), kNoError);
  }
  return status_only(kInsNotSupported);
}

}  // namespace keydesk::card::fido
