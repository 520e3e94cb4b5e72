// What the read-only probes learned about one token, as plain data. Findings are pure functions of it,
// so every rule of the runbook can be tested without a token. A value the token could not tell without
// spending a retry is absent (std::nullopt) and its reason is recorded in `unknown`, never guessed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace keydesk::runbook {

// The card PIN's access-control state, from the ACA's properties or assembled from PIV and Yubico
// metadata. Keys of `unknown` are the property names below; values say why the token cannot tell.
struct AccessControl {
  std::string source;  // "ACA" or "PIV metadata" or "PIV"
  std::optional<int> pin_remaining, pin_max;
  std::optional<int> puk_remaining, puk_max;
  std::optional<bool> puk_initialized;
  std::optional<bool> xauth_initialized;
  std::optional<std::string> xauth_challenge_type;  // "Dynamic", "Static", ...
  std::optional<int> xauth_remaining, xauth_max;    // the XAUTH key's own try counter (ACA)
  std::optional<int> min_pin_length, max_pin_length;
  std::optional<bool> pin_shared_with_fido;
  std::optional<bool> force_pin_change;
  std::optional<bool> pin_is_default;  // only where the token reports it (PIV metadata)
  std::optional<bool> puk_is_default;
  std::map<std::string, std::string> unknown;

  bool pin_blocked() const { return pin_remaining == 0; }
  // Which ways back from a blocked PIN exist: runbook/unblock_paths.h.
};

struct OathCredential {
  std::string name;
  std::string type;       // "HOTP" or "TOTP"
  std::string algorithm;  // "SHA1", "SHA256", "SHA512"
  std::optional<int> digits;
  std::optional<uint64_t> counter;                          // HOTP
  std::optional<int> period;                                // TOTP
  std::optional<std::string> contact_acr, contactless_acr;  // "Always", "Pin", ...
};

struct OathState {
  bool properties_available = false;  // false: plain LIST, no counters or ACRs
  std::vector<OathCredential> credentials;
};

struct FidoState {
  bool reachable = false;
  std::string unreachable_reason;  // plain words: why the FIDO interface could not be opened
  std::string transport;           // "PC/SC (NFCCTAP)", "USB HID", "CTAPHID socket"
  std::vector<std::string> versions;
  std::string aaguid;
  std::map<std::string, bool> options;
  std::optional<int> pin_retries;
  std::optional<bool> power_cycle_required;  // getPINRetries powerCycleState: 0x34 in effect
  std::optional<int> remaining_discoverable_credentials;
  std::optional<int> min_pin_length;
  std::string attestation_subject;
  // CTAP requests the read-only rule refused on this FIDO link (over NFCCTAP they never reach the card
  // link's guard, so they are counted here).
  uint64_t requests_refused = 0;
  // The token's link failed while FIDO was being read (timeout, removal): a failed probe, not a
  // property of the token.
  std::optional<Error> link_failure;

  std::optional<bool> client_pin() const {
    auto it = options.find("clientPin");
    if (it == options.end()) return std::nullopt;
    return it->second;
  }
};

// A SmartCard-HSM (docs/hsm.md), read with SELECT, the two PIN status queries (VERIFY without data),
// EF 2F02 and the DKEK status: nothing that can spend a try.
struct HsmState {
  std::string version;              // "3.2"
  std::optional<uint16_t> options;  // absent before version 2.0
  std::string device_id;            // the device certificate's CHR without its sequence number
  bool initialized = false;         // an SO-PIN exists (VERIFY 88 did not answer 6A88)
  std::optional<int> so_remaining;  // SO-PIN tries left (0: blocked)
  int so_max = 15;
  std::optional<int> user_remaining;  // user PIN tries left (0: blocked)
  bool user_transport_pin = false;    // 6984: the user PIN is a transport PIN, to be changed first
  bool user_verified = false;         // 9000: verified in this card session
  std::optional<int> dkek_shares, dkek_outstanding;

  bool reset_with_so_pin_enabled() const { return options && (*options & 0x0001) != 0; }
  bool transport_pin_mode() const { return options && (*options & 0x0002) != 0; }
};

struct TokenIdentity {
  int index = 0;
  std::string reader;
  std::string atr;
  std::string cuid;  // 20 hex digits, empty if the token has no CPLC
  std::optional<uint32_t> serial;
  std::string version;
};

struct TokenSnapshot {
  TokenIdentity identity;
  int tokens_present = 1;
  std::optional<AccessControl> access;
  std::optional<OathState> oath;
  std::optional<FidoState> fido;
  std::optional<HsmState> hsm;  // a SmartCard-HSM applet answered its SELECT
  // Probes that failed (probe name -> typed error); diagnose still reports the rest.
  std::map<std::string, Error> probe_errors;

  // False when a probe could not reach the token (removed, frozen, link failure): what is missing was
  // not seen, not found absent.
  bool complete() const {
    for (const auto& [probe, error] : probe_errors)
      if (is_link_failure(error)) return false;
    return true;
  }
  uint64_t apdus_sent = 0;
};

}  // namespace keydesk::runbook
