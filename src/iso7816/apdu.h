// Command and response APDUs (ISO 7816-4 section 5): all seven cases, short and extended length.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.h"
#include "core/result.h"
#include "iso7816/status_word.h"

namespace keydesk::iso7816 {

struct CommandApdu {
  uint8_t cla = 0x00;
  uint8_t ins = 0x00;
  uint8_t p1 = 0x00;
  uint8_t p2 = 0x00;
  Bytes data;
  // Expected response length Ne: 0 = no Le field. 256 (short) or 65536 (extended) for Le = 00/0000.
  size_t ne = 0;
  bool extended = false;  // the command used (or should use) extended length fields

  bool chained() const { return (cla & 0x10) != 0; }
  // Encodes as the shortest legal case unless `extended` is set or the data need it.
  Bytes encode() const;

  static CommandApdu make(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2, Bytes data = {}, size_t ne = 0) {
    return CommandApdu{cla, ins, p1, p2, std::move(data), ne, false};
  }
};

// Parses a C-APDU. Any length combination ISO 7816-4 does not define is an error whose code is
// the status word the card must answer (6700).
Result<CommandApdu> parse_command(ByteView raw);

struct ResponseApdu {
  Bytes data;
  StatusWord sw;

  bool ok() const { return sw.ok(); }
  Bytes encode() const;
  static ResponseApdu status(StatusWord s) { return ResponseApdu{{}, s}; }
  static ResponseApdu success(Bytes d = {}) { return ResponseApdu{std::move(d), sw::kOk}; }
};

// Splits raw R-APDU bytes; fewer than two bytes is malformed.
Result<ResponseApdu> parse_response(ByteView raw);

}  // namespace keydesk::iso7816
