// A FIDO2 session on one authenticator through libfido2 (no hand-written CTAP client): USB HID keys via
// libfido2's hidraw support, PC/SC tokens via the NFCCTAP bridge, keydesk-sim via its CTAPHID socket.
// Every result is a value; a CTAP status from the authenticator is Error::ctap(code).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "transport/apdu_transport.h"

typedef struct fido_dev fido_dev_t;

namespace keydesk::host::fido {

class NfcctapLink;
class CtapTap;

// Sees every CTAP request (command byte followed by its CBOR) before it leaves the host, on every link
// (NFCCTAP, USB HID, CTAPHID socket), and every response (status byte followed by CBOR) to an admitted
// request. A request `admit` refuses never reaches the authenticator: the libfido2 call fails and the
// session method returns admit's Error. Either function may be empty.
struct CtapHook {
  std::function<Status(ByteView request)> admit;
  std::function<void(ByteView request, ByteView response)> observe;
};

// getPINRetries: pinRetries (0x03) and, from CTAP 2.1 keys, powerCycleState (0x04) — true while
// PIN_AUTH_BLOCKED (0x34) is in effect; absent from the response (2.0 keys) is nullopt.
struct PinRetryState {
  int retries = 0;
  std::optional<bool> power_cycle_required;
};

struct FidoInfo {
  std::vector<std::string> versions;
  std::string aaguid;  // hex
  std::vector<std::pair<std::string, bool>> options;
  std::vector<uint8_t> pin_protocols;
  uint64_t max_message_size = 0;
  uint64_t firmware_version = 0;
  uint64_t min_pin_length = 0;
  std::optional<int64_t> remaining_discoverable_credentials;
  std::optional<int> pin_retries;            // only read when a PIN is set
  std::optional<bool> power_cycle_required;  // getPINRetries powerCycleState, read with pin_retries
  std::optional<bool> option(std::string_view name) const;
};

struct DiscoverableCredentialInfo {
  std::string rp_id;
  Bytes credential_id;
  Bytes user_id;
  std::string user_name;
  std::string user_display_name;
};

struct CredentialMetadata {
  uint64_t existing = 0;
  uint64_t remaining = 0;
};

struct MadeCredential {
  Bytes credential_id;
  Bytes public_key;  // COSE-decoded ES256 point as libfido2 holds it (x || y)
  std::string attestation_subject;
};

class FidoSession {
 public:
  ~FidoSession();
  FidoSession(const FidoSession&) = delete;
  FidoSession& operator=(const FidoSession&) = delete;

  // The deadline of each libfido2 operation of sessions opened from now on (fido_dev_set_timeout):
  // a silent authenticator ends it with kTimeout. Default 30 s (docs/cli.md, --timeout).
  static void set_timeout(std::chrono::milliseconds timeout);
  // Paths of USB HID FIDO devices (hidraw), as libfido2 enumerates them.
  static Result<std::vector<std::string>> list_hid();
  // `hook` (see CtapHook) already judges the requests fido_dev_open() sends.
  static Result<std::unique_ptr<FidoSession>> open_hid(const std::string& path, CtapHook hook = {});
  // A token on a PC/SC reader (or the in-process transport): the FIDO applet by NFCCTAP.
  static Result<std::unique_ptr<FidoSession>> open_pcsc(transport::ApduTransport& transport,
                                                        CtapHook hook = {});
  // keydesk-sim's CTAPHID socket (--ctaphid PATH).
  static Result<std::unique_ptr<FidoSession>> open_socket(const std::string& socket_path, CtapHook hook = {});

  // getInfo (the one fido_dev_open() sent, when nothing was sent since and `ask_again` is false; else a
  // new one), plus getPINRetries when a PIN is set. Spends no retry and creates nothing.
  Result<FidoInfo> info(bool ask_again = false);
  Result<int> pin_retries();
  Result<PinRetryState> pin_retry_state();
  Status set_pin(const std::string& new_pin);
  Status change_pin(const std::string& current_pin, const std::string& new_pin);
  Result<CredentialMetadata> credential_metadata(const std::string& pin);
  Result<std::vector<DiscoverableCredentialInfo>> credentials(const std::string& pin);
  Status delete_credential(const std::string& pin, ByteView credential_id);
  // authenticatorReset: erases every credential and the PIN (the key demands it soon after power-up).
  Status reset();

  // Creates a credential — only on explicit request: it costs a slot when discoverable. The
  // attestation is verified and its certificate subject returned.
  Result<MadeCredential> make_credential(const std::string& rp_id, ByteView user_id,
                                         const std::string& user_name, bool discoverable,
                                         const std::optional<std::string>& pin);
  // getAssertion for the RP (discoverable credentials when allow is empty), each signature verified
  // against `public_key`; returns the number of assertions.
  Result<size_t> verify_assertion(const std::string& rp_id, ByteView public_key,
                                  const std::optional<std::string>& pin);

 private:
  FidoSession();
  Status open(const std::string& path);
  // A libfido2 status as a Status; a request refused by the hook is the hook's Error.
  Status call(int r, const char* what);

  fido_dev_t* dev_ = nullptr;
  std::unique_ptr<CtapTap> tap_;
  std::unique_ptr<NfcctapLink> link_;
};

}  // namespace keydesk::host::fido
