// The CTAP 2.1 authenticator of keydesk-sim, independent of transport: a request is the CTAP command
// byte followed by CBOR parameters, a response the status byte followed by CBOR (CTAP 2.1 section 6).
// The NFCCTAP applet and the CTAPHID server both call handle() under the card lock; persistent state
// goes through save()/load() like any applet's.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "card/card_context.h"
#include "card/fido/attestation.h"
#include "card/fido/credential_store.h"
#include "card/fido/device_profile.h"
#include "card/fido/pin_state.h"
#include "card/fido/u2f.h"
#include "cbor/cbor.h"

namespace keydesk::card::fido {

// A handler's answer: a status, or success with an optional CBOR body.
struct Reply {
  CtapStatus status = CtapStatus::kOk;
  std::optional<cbor::Value> body;

  Reply(CtapStatus s) : status(s) {}            // NOLINT(google-explicit-constructor)
  Reply(cbor::Value b) : body(std::move(b)) {}  // NOLINT(google-explicit-constructor)
};

class Authenticator {
 public:
  // getNextAssertion state expires after this long (CTAP 2.1 section 6.3).
  static constexpr std::chrono::seconds kAssertionStateLifetime{30};

  explicit Authenticator(card::CardContext& context) : context_(context) {}

  Bytes handle(ByteView request);
  // One CTAP1/U2F request message (FIDO U2F raw message formats): APDU bytes in, data || SW out. Only
  // for profiles that list U2F_V2; others answer INS not supported.
  Bytes handle_u2f(ByteView apdu);
  // The same for an APDU already parsed (the ISO 7816 applet): response data || SW.
  Bytes u2f(const U2fRequest& request);
  // Power cycle: the three-mismatch block, key agreement key, token and command state go.
  void reset_volatile();
  // The interface the last request came through: its volatile state (key agreement, PIN token,
  // pending assertions) belongs to that session. kNone after a power cycle.
  enum class Link { kNone, kContact, kHid };
  void note_link(Link link) { link_ = link; }
  Link link() const { return link_; }

  nlohmann::json save() const;
  Status load(const nlohmann::json& section);

  const Bytes& aaguid() const { return aaguid_; }
  const CredentialStore& credentials() const { return credentials_; }
  const PinState& pin() const { return pin_; }
  const DeviceProfile& profile() const { return profile_; }
  card::CardContext& context() { return context_; }

 private:
  Link link_ = Link::kNone;
  // hmac-secret's getAssertion input once checked (CTAP 2.1 section 12.5).
  struct HmacSecretInput {
    PinProtocol protocol;
    Bytes shared_secret;
    Bytes salts;  // salt1 || salt2 (32 or 64 bytes), decrypted
    ~HmacSecretInput() {
      wipe(shared_secret);
      wipe(salts);
    }
  };
  struct PendingAssertions {
    std::string rp_id;
    Bytes client_data_hash;
    std::vector<Bytes> credential_ids;  // still to be returned, in order
    bool uv = false;
    std::optional<HmacSecretInput> hmac_secret;
    std::chrono::steady_clock::time_point expires;
  };
  struct Enumeration {
    std::vector<Bytes> items;  // RP IDs or credential IDs still to be returned
    bool of_credentials = false;
  };

  Reply dispatch(CtapCommand command, const cbor::Value& params);
  Reply get_info() const;
  Reply client_pin(const cbor::Value& params);
  Reply make_credential(const cbor::Value& params);
  Reply get_assertion(const cbor::Value& params);
  Reply get_next_assertion();
  Reply credential_management(const cbor::Value& params);
  Reply reset();
  Reply selection();

  // Extensions (CTAP 2.1 section 12): makeCredential inputs read into `properties` and the authData
  // extension outputs they produce; getAssertion's outputs for one credential.
  CtapStatus read_make_credential_extensions(const cbor::Map* extensions, CredentialProperties& properties,
                                             bool& hmac_secret_requested) const;
  CtapStatus read_hmac_secret_input(const cbor::Value& input, std::optional<HmacSecretInput>& out);
  std::optional<cbor::Map> assertion_extensions(ByteView credential_id, const HmacSecretInput* hmac, bool uv);
  // credProtect (CTAP 2.1 section 12.1): may this credential answer this getAssertion?
  bool cred_protect_allows(const CredentialProperties& properties, bool from_allow_list, bool uv) const;
  // Checks pinUvAuthParam (`param`, may be null) for makeCredential/getAssertion: a zero-length
  // param is the touch probe of CTAP 2.1 6.1.2 step 1. Sets `uv` when the token verified.
  CtapStatus check_pin_uv_auth(const Bytes* param, std::optional<uint64_t> protocol,
                               ByteView client_data_hash, uint8_t permission, std::string_view rp_id,
                               bool& uv);
  // One assertion response for a credential (numberOfCredentials only in the first of several).
  Reply assertion(const std::string& rp_id, ByteView credential_id, ByteView client_data_hash, bool uv,
                  bool up, std::optional<size_t> number_of_credentials, const HmacSecretInput* hmac_secret);
  // The next item of a credman enumeration; the Begin response also carries the total.
  Reply next_rp(std::optional<size_t> total);
  Reply next_credential(std::optional<size_t> total);

  card::CardContext& context_;
  DeviceProfile profile_;
  Bytes aaguid_;
  uint32_t firmware_version_ = 0;
  bool ep_capable_ = false;
  bool ep_enabled_ = false;
  PinState pin_;
  CredentialStore credentials_;
  BatchAttestation attestation_;
  // Stateful commands (CTAP 2.1 6.3 getNextAssertion, 6.8 credman enumeration): any other command
  // ends them.
  std::optional<PendingAssertions> pending_assertions_;
  std::optional<Enumeration> enumeration_;
};

// authData flags (WebAuthn 6.1).
inline constexpr uint8_t kFlagUserPresent = 0x01;
inline constexpr uint8_t kFlagUserVerified = 0x04;
inline constexpr uint8_t kFlagAttestedData = 0x40;
inline constexpr uint8_t kFlagExtensionData = 0x80;

Bytes sha256(ByteView data);
cbor::Value user_entity_cbor(const UserEntity& user, bool with_names);
cbor::Value credential_descriptor(ByteView id);

}  // namespace keydesk::card::fido
