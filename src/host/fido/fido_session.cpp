#include "host/fido/fido_session.h"

#include <fido.h>
#include <fido/credman.h>
#include <fido/es256.h>

#include <atomic>

#include "cbor/cbor.h"
#include "crypto/digest.h"
#include "crypto/random.h"
#include "crypto/x509.h"
#include "host/fido/device_links.h"
#include "protocol/ctap.h"

namespace keydesk::host::fido {
namespace {
constexpr size_t kMaxHidDevices = 64;

// libfido2 status: positive values are CTAP status bytes from the authenticator, negative ones are
// libfido2's own (transport, parse, argument) failures.
Error from_fido(int r, const char* what) {
  if (r > 0 && r <= 0xFF) return Error::ctap(static_cast<uint8_t>(r), what);
  return Error::make(ErrorKind::kTransport, std::string(what) + ": " + fido_strerr(r),
                     static_cast<uint32_t>(-r));
}

Status check(int r, const char* what) {
  if (r == FIDO_OK) return {};
  return from_fido(r, what);
}

const char* pin_arg(const std::optional<std::string>& pin) {
  return pin ? pin->c_str() : nullptr;
}

template <typename T, void (*Free)(T**)>
struct Owned {
  T* p;
  explicit Owned(T* raw) : p(raw) {}
  ~Owned() { Free(&p); }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
};

void init_library() {
  // Fail loudly instead of silently falling back to U2F when getInfo cannot be parsed (CTAP 2.1 section 6.4,
  // authenticatorGetInfo).
  static const bool done = [] {
    fido_init(FIDO_DISABLE_U2F_FALLBACK);
    return true;
  }();
  (void)done;
}
std::atomic<int> g_timeout_ms{30000};
}  // namespace

void FidoSession::set_timeout(std::chrono::milliseconds timeout) {
  g_timeout_ms = static_cast<int>(timeout.count());
}

std::optional<bool> FidoInfo::option(std::string_view name) const {
  for (const auto& [n, v] : options)
    if (n == name) return v;
  return std::nullopt;
}

FidoSession::FidoSession() {
  init_library();
}

FidoSession::~FidoSession() {
  if (dev_) {
    fido_dev_close(dev_);
    fido_dev_free(&dev_);
  }
}

Status FidoSession::call(int r, const char* what) {
  if (auto refused = tap_->take_refusal()) return *refused;
  if (auto failed = tap_->take_link_failure(); failed && r != FIDO_OK) return *failed;
  return check(r, what);
}

Status FidoSession::open(const std::string& path) {
  if (const int r = fido_dev_open(dev_, path.c_str()); r != FIDO_OK) return call(r, "open FIDO device");
  if (!fido_dev_is_fido2(dev_)) return Error::make(ErrorKind::kNotSupported, "not a FIDO2 authenticator");
  return {};
}

Result<std::vector<std::string>> FidoSession::list_hid() {
  init_library();
  fido_dev_info_t* list = fido_dev_info_new(kMaxHidDevices);
  size_t found = 0;
  const int r = fido_dev_info_manifest(list, kMaxHidDevices, &found);
  std::vector<std::string> paths;
  for (size_t i = 0; r == FIDO_OK && i < found; ++i)
    paths.emplace_back(fido_dev_info_path(fido_dev_info_ptr(list, i)));
  fido_dev_info_free(&list, kMaxHidDevices);
  if (r != FIDO_OK) return from_fido(r, "list FIDO devices");
  return paths;
}

Result<std::unique_ptr<FidoSession>> FidoSession::open_hid(const std::string& path, CtapHook hook) {
  std::unique_ptr<FidoSession> s(new FidoSession());
  s->tap_ = std::make_unique<CtapTap>(std::move(hook));
  s->dev_ = fido_dev_new();
  fido_dev_set_timeout(s->dev_, g_timeout_ms.load());
  KD_TRY(ReportLink::attach(s->dev_, ReportLink::Kind::kHidraw, *s->tap_));
  KD_TRY(s->open(path));
  return s;
}

Result<std::unique_ptr<FidoSession>> FidoSession::open_pcsc(transport::ApduTransport& transport,
                                                            CtapHook hook) {
  std::unique_ptr<FidoSession> s(new FidoSession());
  s->tap_ = std::make_unique<CtapTap>(std::move(hook));
  s->link_ = std::make_unique<NfcctapLink>(transport, *s->tap_);
  KD_TRY(s->link_->select());
  s->dev_ = fido_dev_new();
  fido_dev_set_timeout(s->dev_, g_timeout_ms.load());
  KD_TRY(s->link_->attach(s->dev_));
  KD_TRY(s->open("keydesk:nfcctap"));
  return s;
}

Result<std::unique_ptr<FidoSession>> FidoSession::open_socket(const std::string& socket_path, CtapHook hook) {
  std::unique_ptr<FidoSession> s(new FidoSession());
  s->tap_ = std::make_unique<CtapTap>(std::move(hook));
  s->dev_ = fido_dev_new();
  fido_dev_set_timeout(s->dev_, g_timeout_ms.load());
  KD_TRY(ReportLink::attach(s->dev_, ReportLink::Kind::kSocket, *s->tap_));
  KD_TRY(s->open(socket_path));
  return s;
}

Result<FidoInfo> FidoSession::info(bool ask_again) {
  // fido_dev_open() sent getInfo; while nothing was sent since, its answer is still the device's — unless
  // another client changed the device meanwhile, which only a new getInfo shows.
  if (ask_again || !tap_->last_info()) {
    Owned<fido_cbor_info_t, fido_cbor_info_free> ci(fido_cbor_info_new());
    KD_TRY(call(fido_dev_get_cbor_info(dev_, ci.p), "getInfo"));
  }
  cbor::Value m;
  if (!tap_->last_info() || cbor::decode(*tap_->last_info(), m) != cbor::DecodeStatus::kOk || !m.is_map())
    return Error::make(ErrorKind::kTransport, "getInfo: the response is not a CBOR map");
  namespace key = protocol::ctap::info;
  FidoInfo info;
  auto uint_at = [&](int64_t key) -> std::optional<uint64_t> {
    const cbor::Value* v = m.find(key);
    return v && v->is_unsigned() ? std::optional<uint64_t>(v->as_unsigned()) : std::nullopt;
  };
  if (const cbor::Value* v = m.find(key::kVersions); v && v->is_array())
    for (const auto& e : v->as_array())
      if (e.is_text()) info.versions.push_back(e.as_text());
  if (const cbor::Value* v = m.find(key::kAaguid); v && v->is_bytes()) info.aaguid = to_hex(v->as_bytes());
  if (const cbor::Value* v = m.find(key::kOptions); v && v->is_map())
    for (const auto& [name, value] : v->as_map())
      if (name.is_text() && value.is_bool()) info.options.emplace_back(name.as_text(), value.as_bool());
  info.max_message_size = uint_at(key::kMaxMsgSize).value_or(0);
  if (const cbor::Value* v = m.find(key::kPinUvAuthProtocols); v && v->is_array())
    for (const auto& e : v->as_array())
      if (e.is_unsigned() && e.as_unsigned() <= 0xFF)
        info.pin_protocols.push_back(static_cast<uint8_t>(e.as_unsigned()));
  info.min_pin_length = uint_at(key::kMinPinLength).value_or(0);
  info.firmware_version = uint_at(key::kFirmwareVersion).value_or(0);
  if (auto rk = uint_at(key::kRemainingDiscoverableCredentials);
      rk && *rk <= static_cast<uint64_t>(INT64_MAX))
    info.remaining_discoverable_credentials = static_cast<int64_t>(*rk);
  if (info.option("clientPin") == true) {
    auto retries = pin_retry_state();
    if (!retries) return retries.error();
    info.pin_retries = retries->retries;
    info.power_cycle_required = retries->power_cycle_required;
  }
  return info;
}

Result<int> FidoSession::pin_retries() {
  int retries = 0;
  KD_TRY(call(fido_dev_get_retry_count(dev_, &retries), "getPINRetries"));
  return retries;
}

Result<PinRetryState> FidoSession::pin_retry_state() {
  auto retries = pin_retries();
  if (!retries) return retries.error();
  return PinRetryState{*retries, tap_->power_cycle_state()};
}

Status FidoSession::set_pin(const std::string& new_pin) {
  return call(fido_dev_set_pin(dev_, new_pin.c_str(), nullptr), "setPIN");
}

Status FidoSession::change_pin(const std::string& current_pin, const std::string& new_pin) {
  return call(fido_dev_set_pin(dev_, new_pin.c_str(), current_pin.c_str()), "changePIN");
}

Result<CredentialMetadata> FidoSession::credential_metadata(const std::string& pin) {
  Owned<fido_credman_metadata_t, fido_credman_metadata_free> md(fido_credman_metadata_new());
  KD_TRY(call(fido_credman_get_dev_metadata(dev_, md.p, pin.c_str()), "credential metadata"));
  return CredentialMetadata{fido_credman_rk_existing(md.p), fido_credman_rk_remaining(md.p)};
}

Result<std::vector<DiscoverableCredentialInfo>> FidoSession::credentials(const std::string& pin) {
  Owned<fido_credman_rp_t, fido_credman_rp_free> rps(fido_credman_rp_new());
  const int r = fido_credman_get_dev_rp(dev_, rps.p, pin.c_str());
  if (r == FIDO_ERR_NO_CREDENTIALS) return std::vector<DiscoverableCredentialInfo>{};
  KD_TRY(call(r, "enumerate RPs"));
  std::vector<DiscoverableCredentialInfo> out;
  for (size_t i = 0; i < fido_credman_rp_count(rps.p); ++i) {
    const std::string rp_id = fido_credman_rp_id(rps.p, i);
    Owned<fido_credman_rk_t, fido_credman_rk_free> rks(fido_credman_rk_new());
    KD_TRY(call(fido_credman_get_dev_rk(dev_, rp_id.c_str(), rks.p, pin.c_str()), "enumerate credentials"));
    for (size_t j = 0; j < fido_credman_rk_count(rks.p); ++j) {
      const fido_cred_t* c = fido_credman_rk(rks.p, j);
      const char* name = fido_cred_user_name(c);
      const char* display = fido_cred_display_name(c);
      out.push_back({rp_id, Bytes(fido_cred_id_ptr(c), fido_cred_id_ptr(c) + fido_cred_id_len(c)),
                     Bytes(fido_cred_user_id_ptr(c), fido_cred_user_id_ptr(c) + fido_cred_user_id_len(c)),
                     name ? name : "", display ? display : ""});
    }
  }
  return out;
}

Status FidoSession::delete_credential(const std::string& pin, ByteView credential_id) {
  return call(fido_credman_del_dev_rk(dev_, credential_id.data(), credential_id.size(), pin.c_str()),
              "delete credential");
}

Status FidoSession::reset() {
  return call(fido_dev_reset(dev_), "reset");
}

Result<MadeCredential> FidoSession::make_credential(const std::string& rp_id, ByteView user_id,
                                                    const std::string& user_name, bool discoverable,
                                                    const std::optional<std::string>& pin) {
  Owned<fido_cred_t, fido_cred_free> cred(fido_cred_new());
  const Bytes client_data_hash = crypto::random_bytes(32);
  if (fido_cred_set_type(cred.p, COSE_ES256) != FIDO_OK ||
      fido_cred_set_clientdata_hash(cred.p, client_data_hash.data(), client_data_hash.size()) != FIDO_OK ||
      fido_cred_set_rp(cred.p, rp_id.c_str(), nullptr) != FIDO_OK ||
      fido_cred_set_user(cred.p, user_id.data(), user_id.size(), user_name.c_str(), nullptr, nullptr) !=
          FIDO_OK ||
      fido_cred_set_rk(cred.p, discoverable ? FIDO_OPT_TRUE : FIDO_OPT_OMIT) != FIDO_OK)
    return Error::make(ErrorKind::kUsage, "makeCredential parameters");
  KD_TRY(call(fido_dev_make_cred(dev_, cred.p, pin_arg(pin)), "makeCredential"));
  KD_TRY(call(fido_cred_verify(cred.p), "verify attestation"));
  MadeCredential made;
  made.credential_id.assign(fido_cred_id_ptr(cred.p), fido_cred_id_ptr(cred.p) + fido_cred_id_len(cred.p));
  made.public_key.assign(fido_cred_pubkey_ptr(cred.p),
                         fido_cred_pubkey_ptr(cred.p) + fido_cred_pubkey_len(cred.p));
  if (fido_cred_x5c_len(cred.p) > 0) {
    auto subject =
        crypto::certificate_subject(ByteView(fido_cred_x5c_ptr(cred.p), fido_cred_x5c_len(cred.p)));
    if (subject) made.attestation_subject = *subject;
  }
  return made;
}

Result<size_t> FidoSession::verify_assertion(const std::string& rp_id, ByteView public_key,
                                             const std::optional<std::string>& pin) {
  Owned<fido_assert_t, fido_assert_free> assertion(fido_assert_new());
  Owned<es256_pk_t, es256_pk_free> pk(es256_pk_new());
  const Bytes client_data_hash = crypto::random_bytes(32);
  if (fido_assert_set_clientdata_hash(assertion.p, client_data_hash.data(), client_data_hash.size()) !=
          FIDO_OK ||
      fido_assert_set_rp(assertion.p, rp_id.c_str()) != FIDO_OK ||
      es256_pk_from_ptr(pk.p, public_key.data(), public_key.size()) != FIDO_OK)
    return Error::make(ErrorKind::kUsage, "getAssertion parameters");
  KD_TRY(call(fido_dev_get_assert(dev_, assertion.p, pin_arg(pin)), "getAssertion"));
  const size_t count = fido_assert_count(assertion.p);
  for (size_t i = 0; i < count; ++i)
    KD_TRY(call(fido_assert_verify(assertion.p, i, COSE_ES256, pk.p), "verify assertion"));
  return count;
}

}  // namespace keydesk::host::fido
