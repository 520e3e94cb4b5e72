// Which tokens are connected, each with the index `keydesk token-info` prints: PC/SC readers holding a
// card, merged with FIDO devices (USB HID through libfido2) that belong to no reader. One physical key
// with both interfaces is one token.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "transport/apdu_transport.h"
#include "transport/pcsc_context.h"

namespace keydesk::access {

struct TokenInfo {
  int index = 0;
  std::string reader;        // PC/SC reader name; empty for a FIDO-only device
  Bytes atr;                 // empty when no card interface
  std::string fido_path;     // libfido2 path of this key's FIDO interface; empty when none was found
  std::string fido_product;  // the HID product string, when the FIDO interface is a HID device
};

class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // Readers without a card are not tokens; an unusable FIDO enumeration is reported by fido_problem().
  virtual Result<std::vector<TokenInfo>> list() = 0;
  virtual Result<std::unique_ptr<transport::ApduTransport>> open_card(const TokenInfo& token) = 0;
  // Why FIDO devices could not be enumerated or opened (permissions, missing interface), empty if fine.
  virtual std::string fido_problem() const { return {}; }
  // How long any one call to a token (or to pcscd) may take before it fails with kTimeout.
  virtual void set_deadline(std::chrono::milliseconds deadline) { (void)deadline; }
};

// The token a command addresses: -t INDEX, else --reader NAME (case-insensitive substring, must match
// one token), else the only token. Several tokens and no choice: kUsage naming the indexes.
Result<TokenInfo> choose_token(const std::vector<TokenInfo>& tokens, std::optional<int> index,
                               const std::optional<std::string>& reader, bool allow_first_of_several);

// A FIDO HID device as libfido2 enumerates it.
struct FidoDevice {
  std::string path;
  std::string product;  // e.g. "YubiKey OTP+FIDO+CCID"
};

// Readers holding a card become tokens in reader order; a FIDO device whose product string appears in a
// reader's name (a YubiKey's CCID reader is named after the same product) is that token's FIDO interface,
// or, with exactly one card token and one FIDO device, the only pairing there is. Other FIDO devices are
// tokens of their own, after the readers.
std::vector<TokenInfo> merge_tokens(const std::vector<transport::ReaderStatus>& readers,
                                    const std::vector<FidoDevice>& fido_devices);

}  // namespace keydesk::access
