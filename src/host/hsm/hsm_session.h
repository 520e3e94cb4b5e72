// Host side of the SmartCard-HSM (protocol/sc_hsm.h, docs/hsm.md). Status queries spend nothing; every
// method that carries the SO-PIN or a PIN makes exactly one attempt and returns the outcome as a value
// (host/verify_result.h). SO-PINs are taken as their 8 bytes: turning what an operator typed into those
// bytes, and refusing what is malformed, is the runbook's job (runbook/hsm_so_pin.h) before anything is
// sent.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "host/apdu_connection.h"
#include "host/verify_result.h"
#include "protocol/sc_hsm.h"

namespace keydesk::host::hsm {

using SoPin = std::array<uint8_t, protocol::sc_hsm::kSoPinBytes>;

// What a status query (VERIFY without data) said about one PIN reference.
struct PinState {
  enum class Kind {
    kTriesLeft,       // 63Cx: not verified, x tries left
    kVerified,        // 9000: verified in this session
    kBlocked,         // 6983 (or 63C0)
    kTransportPin,    // 6984: the user PIN is a transport PIN that must be changed first
    kNotInitialized,  // 6A88: the device was never initialised
  };
  Kind kind = Kind::kNotInitialized;
  int tries_left = -1;  // kTriesLeft; 0 for kBlocked
  StatusWord sw;
};

struct DkekStatus {
  int shares = 0;
  int outstanding = 0;
  std::string key_check_value;  // 16 hex digits
};

struct InitializeParams {
  uint16_t options = protocol::sc_hsm::kOptionResetRetryCounter;
  std::string user_pin;
  SoPin so_pin{};
  uint8_t user_pin_tries = protocol::sc_hsm::kUserPinDefaultTries;
  std::optional<uint8_t> dkek_shares;
};

class HsmSession {
 public:
  static const Bytes& aid();
  explicit HsmSession(ApduConnection& connection) : connection_(connection) {}

  // SELECT: the applet's version and configuration options (kNotSupported: no SmartCard-HSM applet).
  Result<protocol::sc_hsm::AppletInfo> select();
  Result<PinState> user_pin_state();
  Result<PinState> so_pin_state();
  // EF 2F02 (device certificate chain), read with SELECT by file id and READ BINARY.
  Result<Bytes> device_certificates();
  // nullopt: the device has no DKEK (initialised without shares).
  Result<std::optional<DkekStatus>> dkek_status();

  // INITIALIZE DEVICE: wipes every key and file. On an initialised device the SO-PIN given must be the
  // current one; a wrong one spends an SO-PIN try.
  Result<VerifyResult> initialize(const InitializeParams& params);
  // RESET RETRY COUNTER with the SO-PIN and a new user PIN (only where option 0001 was set at
  // initialisation: otherwise the card refuses with 6986 and nothing is spent).
  Result<VerifyResult> reset_user_pin(const SoPin& so_pin, std::string_view new_pin);
  // CHANGE REFERENCE DATA of the SO-PIN: the current SO-PIN is the attempt.
  Result<VerifyResult> change_so_pin(const SoPin& current, const SoPin& replacement);

 private:
  Result<PinState> pin_state(uint8_t reference, const char* context);
  Result<VerifyResult> send_secret(CommandApdu cmd, const char* context);

  ApduConnection& connection_;
};

}  // namespace keydesk::host::hsm
