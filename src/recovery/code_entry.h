// Unblock codes as a person types them (docs/unblock-codes.md): the code's digits with the checksum either
// given apart or as the last four digits typed. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"
#include "protocol/unblock_code.h"

namespace keydesk::recovery {

// How many digits `typed` holds (other characters are not counted; decode refuses them).
size_t digits_typed(std::string_view typed);

// The block a typed code stands for, its checksum checked first: `checksum` empty means the checksum is the
// last four of the digits typed. `block_length` (8 or 16) when the reader knows it (the user's side knows
// the token's algorithm); nullopt: from the number of digits (20 or 39, the help desk's side). kUsage with
// a plain explanation otherwise; nothing about the block is revealed beyond what was typed.
Result<Bytes> read_typed_code(protocol::unblock_code::Kind kind, std::string_view typed,
                              std::string_view checksum, std::optional<size_t> block_length);

// Whether `typed` (without a checksum) has the digit count of a code of `block_length` bytes, so the
// checksum must be asked for separately.
bool needs_separate_checksum(std::string_view typed, size_t block_length);

}  // namespace keydesk::recovery
