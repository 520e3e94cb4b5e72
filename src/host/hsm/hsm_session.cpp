#include "host/hsm/hsm_session.h"

#include "iso7816/tlv.h"

namespace keydesk::host::hsm {
namespace p = protocol::sc_hsm;
namespace sw = iso7816::sw;

const Bytes& HsmSession::aid() {
  static const Bytes bytes(p::kAid.begin(), p::kAid.end());
  return bytes;
}

Result<p::AppletInfo> HsmSession::select() {
  KD_ASSIGN_OR_RETURN(ResponseApdu r, connection_.select(aid()));
  if (!r.sw.ok())
    return Error::make(ErrorKind::kNotSupported, "the token has no SmartCard-HSM applet", r.sw.value);
  auto info = p::parse_fcp(r.data);
  if (!info)
    return Error::make(ErrorKind::kMalformed, "SmartCard-HSM SELECT: no FCP with a version (tag 85)");
  return *info;
}

Result<PinState> HsmSession::pin_state(uint8_t reference, const char* context) {
  // Case 1 (no data, no Le), as OpenSC sends it: never spends a try.
  KD_ASSIGN_OR_RETURN(ResponseApdu r,
                      connection_.send(CommandApdu::make(p::kIsoCla, p::kInsVerify, 0x00, reference)));
  PinState s;
  s.sw = r.sw;
  if (r.sw.ok()) {
    s.kind = PinState::Kind::kVerified;
  } else if (r.sw.is_retry_counter()) {
    s.tries_left = r.sw.retries();
    s.kind = s.tries_left == 0 ? PinState::Kind::kBlocked : PinState::Kind::kTriesLeft;
  } else if (r.sw == sw::kAuthBlocked) {
    s.kind = PinState::Kind::kBlocked;
    s.tries_left = 0;
  } else if (r.sw == sw::kDataInvalid) {
    s.kind = PinState::Kind::kTransportPin;
  } else if (r.sw == sw::kReferenceNotFound) {
    s.kind = PinState::Kind::kNotInitialized;
  } else {
    return Error::sw(r.sw.value, context);
  }
  return s;
}

Result<PinState> HsmSession::user_pin_state() {
  return pin_state(p::kUserPin, "SmartCard-HSM user PIN status");
}

Result<PinState> HsmSession::so_pin_state() {
  return pin_state(p::kSoPin, "SmartCard-HSM SO-PIN status");
}

Result<Bytes> HsmSession::device_certificates() {
  Bytes fid;
  append_be16(fid, p::kFileDeviceCertificate);
  KD_TRY(connection_.send_ok(CommandApdu::make(p::kIsoCla, p::kInsSelect, 0x00, 0x00, fid, 256),
                             "SmartCard-HSM SELECT EF 2F02"));
  Bytes content;
  for (int chunk = 0; chunk < 64; ++chunk) {
    Bytes offset{0x54, 0x02};
    append_be16(offset, static_cast<uint16_t>(content.size()));
    KD_ASSIGN_OR_RETURN(ResponseApdu r, connection_.send(CommandApdu::make(p::kIsoCla, p::kInsReadBinary,
                                                                           0x00, 0x00, offset, 256)));
    // 6282: the end of the file was reached.
    if (r.sw == StatusWord(0x6282) || (r.sw.ok() && r.data.empty())) return content;
    if (!r.sw.ok()) return Error::sw(r.sw.value, "SmartCard-HSM READ BINARY EF 2F02");
    append(content, r.data);
    if (content.size() > 0xFFFF) break;
  }
  return Error::make(ErrorKind::kMalformed, "SmartCard-HSM EF 2F02 does not end");
}

Result<std::optional<DkekStatus>> HsmSession::dkek_status() {
  KD_ASSIGN_OR_RETURN(ResponseApdu r, connection_.send(CommandApdu::make(
                                          p::kProprietaryCla, p::kInsImportDkekShare, 0, 0, {}, 256)));
  if (r.sw == sw::kInsNotSupported) return std::optional<DkekStatus>();
  if (!r.sw.ok()) return Error::sw(r.sw.value, "SmartCard-HSM DKEK status");
  if (r.data.size() < 10)
    return Error::make(ErrorKind::kMalformed, "SmartCard-HSM DKEK status: short answer");
  return std::optional<DkekStatus>(DkekStatus{r.data[0], r.data[1], to_hex(ByteView(r.data).subspan(2, 8))});
}

Result<VerifyResult> HsmSession::send_secret(CommandApdu cmd, const char* context) {
  auto r = connection_.send(cmd);
  wipe(cmd.data);
  if (!r) return r.error();
  if (r->sw == sw::kCommandNotAllowed) return VerifyResult{VerifyResult::Kind::kRejected, -1, r->sw};
  return verify_result_from_sw(r->sw, context);
}

Result<VerifyResult> HsmSession::initialize(const InitializeParams& params) {
  Bytes data;
  Bytes options;
  append_be16(options, params.options);
  iso7816::append_tlv(data, p::kTagOptions, options);
  iso7816::append_tlv(data, p::kTagUserPin, bytes_of(params.user_pin));
  iso7816::append_tlv(data, p::kTagSoPin, params.so_pin);
  iso7816::append_tlv(data, p::kTagUserPinTries, Bytes{params.user_pin_tries});
  if (params.dkek_shares) iso7816::append_tlv(data, p::kTagDkekShares, Bytes{*params.dkek_shares});
  return send_secret(CommandApdu::make(p::kProprietaryCla, p::kInsInitialize, 0, 0, std::move(data)),
                     "SmartCard-HSM INITIALIZE DEVICE");
}

Result<VerifyResult> HsmSession::reset_user_pin(const SoPin& so_pin, std::string_view new_pin) {
  Bytes data(so_pin.begin(), so_pin.end());
  append(data, bytes_of(new_pin));
  return send_secret(
      CommandApdu::make(p::kIsoCla, p::kInsResetRetryCounter, 0x00, p::kUserPin, std::move(data)),
      "SmartCard-HSM RESET RETRY COUNTER");
}

Result<VerifyResult> HsmSession::change_so_pin(const SoPin& current, const SoPin& replacement) {
  Bytes data(current.begin(), current.end());
  append(data, replacement);
  return send_secret(
      CommandApdu::make(p::kIsoCla, p::kInsChangeReferenceData, 0x00, p::kSoPin, std::move(data)),
      "SmartCard-HSM CHANGE REFERENCE DATA (SO-PIN)");
}

}  // namespace keydesk::host::hsm
