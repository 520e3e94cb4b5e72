#include "recovery/code_entry.h"

namespace keydesk::recovery {

namespace code = protocol::unblock_code;

size_t digits_typed(std::string_view typed) {
  size_t n = 0;
  for (char ch : typed) n += ch >= '0' && ch <= '9';
  return n;
}

bool needs_separate_checksum(std::string_view typed, size_t block_length) {
  return digits_typed(typed) == code::digit_count(block_length);
}

Result<Bytes> read_typed_code(code::Kind kind, std::string_view typed, std::string_view checksum,
                              std::optional<size_t> block_length) {
  const size_t n = digits_typed(typed);
  const std::string what = code::kind_name(kind);
  auto length_for = [&](size_t digits) -> std::optional<size_t> {
    for (size_t length : {size_t{8}, size_t{16}})
      if ((!block_length || *block_length == length) && digits == code::digit_count(length)) return length;
    return std::nullopt;
  };
  const std::string expected = block_length ? std::to_string(code::digit_count(*block_length)) + " digits"
                                            : std::string("20 digits (3DES) or 39 digits (AES)");
  if (!checksum.empty()) {
    auto length = length_for(n);
    if (!length)
      return Error::make(ErrorKind::kUsage, "the " + what + " has " + std::to_string(n) + " digits, not " +
                                                expected + ": a digit is missing or one too many");
    return code::decode(kind, typed, checksum, *length);
  }
  // The checksum is the last four digits: cut after the code's digits, keeping what was typed between.
  auto length = n >= 4 ? length_for(n - 4) : std::nullopt;
  if (!length)
    return Error::make(ErrorKind::kUsage, "the " + what + " has " + std::to_string(n) + " digits, not " +
                                              expected + " and the 4-digit checksum");
  const size_t code_digits = n - 4;
  size_t seen = 0, cut = 0;
  for (; cut < typed.size() && seen < code_digits; ++cut) seen += typed[cut] >= '0' && typed[cut] <= '9';
  return code::decode(kind, typed.substr(0, cut), typed.substr(cut), *length);
}

}  // namespace keydesk::recovery
