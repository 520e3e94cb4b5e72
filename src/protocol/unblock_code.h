// Unblock codes read aloud: the XAUTH challenge a user reads to the help desk and the cryptogram read
// back (docs/unblock-codes.md). A block of 8 or 16 bytes is written as decimal digits in groups of five,
// with a 4-digit checksum that catches every single-digit error and every swap of two digits before
// anything is sent to a token, so a mistyped code never costs an XAUTH try. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"

namespace keydesk::protocol::unblock_code {

// What a code stands for. It enters the checksum, so a challenge typed where the response belongs (or
// the reverse) fails the check instead of spending a try.
enum class Kind : uint8_t { kChallenge = 1, kResponse = 2 };
const char* kind_name(Kind kind);

// Digits for a block of `block_length` bytes: 20 for 8 bytes (3DES), 39 for 16 bytes (AES).
size_t digit_count(size_t block_length);

struct Code {
  std::string digits;    // groups of five separated by spaces: "18446 74407 37095 51615"
  std::string checksum;  // four digits
};

// block: 8 or 16 bytes.
Code encode(Kind kind, ByteView block);
std::string checksum_of(Kind kind, std::string_view digits);  // digits only (separators ignored)

// Parses a code as typed: digits with any spaces or dashes, and its checksum. kUsage with a plain
// explanation when it is malformed or the checksum does not match (nothing about the block is revealed
// beyond what was typed). block_length: 8 or 16.
Result<Bytes> decode(Kind kind, std::string_view typed_digits, std::string_view typed_checksum,
                     size_t block_length);

}  // namespace keydesk::protocol::unblock_code
