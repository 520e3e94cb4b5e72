// What the simulated authenticator claims to be, as profile data (profiles/<name>/fido.json, kept in the
// state file): the getInfo lists (versions, extensions, algorithms, transports, static options, sizes),
// the reset window and the CTAPHID capability flags. Parsed strictly: a value the authenticator cannot
// honour (an unknown version or extension, an algorithm it has no code for, NMSG set on a key that
// speaks U2F) is refused with an error naming the field, so a profile cannot claim what the sim does not do.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/result.h"

namespace keydesk::card::fido {

struct DeviceProfile {
  // getInfo 0x01; "U2F_V2" also turns on CTAP1/U2F (CTAPHID_MSG and the ISO 7816 U2F instructions).
  std::vector<std::string> versions{"FIDO_2_0", "FIDO_2_1"};
  std::vector<std::string> extensions;  // 0x02: "credProtect", "hmac-secret"
  std::vector<int64_t> algorithms{-7};  // 0x0A, in the authenticator's order: -7 ES256, -8 EdDSA
  std::vector<std::string> transports{"nfc", "usb"};  // 0x09
  // Static options of 0x04 (clientPin and ep follow the token's state). "pinUvAuthToken" also decides
  // whether clientPIN subcommand 0x09 exists; without it getPinToken's token carries the credential
  // management permission too, as on a CTAP 2.1-PRE authenticator.
  std::vector<std::pair<std::string, bool>> options{
      {"rk", true}, {"up", true}, {"credMgmt", true}, {"pinUvAuthToken", true}};
  uint64_t max_msg_size = 1200;               // 0x05
  uint64_t max_credential_count_in_list = 8;  // 0x07
  uint64_t max_credential_id_length = 64;     // 0x08
  std::chrono::seconds reset_window{10};      // authenticatorReset after power-up (CTAP 2.1 6.6)
  uint8_t ctaphid_capabilities = 0x0D;        // CTAPHID INIT: WINK 0x01 | CBOR 0x04 | NMSG 0x08

  bool speaks_u2f() const;
  bool has_extension(std::string_view name) const;
  bool has_option(std::string_view name) const;
  bool pin_uv_auth_token() const { return has_option("pinUvAuthToken"); }

  // Reads the profile's keys of the fido section (absent keys keep the defaults above).
  static Result<DeviceProfile> parse(const nlohmann::json& section);
  // Writes the same keys back into `section`.
  void save(nlohmann::json& section) const;
};

}  // namespace keydesk::card::fido
