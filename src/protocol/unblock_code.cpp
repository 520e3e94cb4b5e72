#include "protocol/unblock_code.h"

#include <algorithm>

namespace keydesk::protocol::unblock_code {
namespace {

// The checksum is a weighted sum modulo the prime 9973 (the largest below 10^4, so it is four digits).
// Position i (from 1) has weight i; a code has at most 39 digits. Every weight is below the modulus and
// differences of digits are at most 9, so a change of one digit alters the sum by weight*delta with
// 0 < |weight*delta| <= 39*9 = 351 < 9973, and a swap of the digits at i and j by (j - i)*(a - b) with
// 0 < |.| <= 38*9: neither can leave the sum unchanged modulo 9973. The kind adds 2000*kind, so a
// challenge and a response with the same digits have different checksums.
constexpr uint32_t kModulus = 9973;
constexpr uint32_t kKindOffset = 2000;

bool is_separator(char c) {
  return c == ' ' || c == '-';
}

// The digits of a typed text, or nullopt when it holds anything but digits and separators.
std::optional<std::string> digits_only(std::string_view typed) {
  std::string out;
  for (char c : typed) {
    if (c >= '0' && c <= '9')
      out.push_back(c);
    else if (!is_separator(c))
      return std::nullopt;
  }
  return out;
}

// Big-endian bytes -> decimal, by repeated division of the byte string by 10.
std::string to_decimal(ByteView block, size_t width) {
  Bytes n(block.begin(), block.end());
  std::string digits;
  while (digits.size() < width) {
    uint32_t remainder = 0;
    for (auto& byte : n) {
      const uint32_t value = (remainder << 8) | byte;
      byte = static_cast<uint8_t>(value / 10);
      remainder = value % 10;
    }
    digits.push_back(static_cast<char>('0' + remainder));
  }
  std::reverse(digits.begin(), digits.end());
  return digits;
}

// Decimal -> big-endian bytes of `length`; nullopt when the value does not fit (>= 256^length).
std::optional<Bytes> from_decimal(std::string_view digits, size_t length) {
  Bytes n(length, 0);
  for (char c : digits) {
    uint32_t carry = static_cast<uint32_t>(c - '0');
    for (size_t i = length; i-- > 0;) {
      const uint32_t value = n[i] * 10u + carry;
      n[i] = static_cast<uint8_t>(value);
      carry = value >> 8;
    }
    if (carry != 0) return std::nullopt;
  }
  return n;
}

std::string grouped(std::string_view digits) {
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && i % 5 == 0) out.push_back(' ');
    out.push_back(digits[i]);
  }
  return out;
}

Error usage(std::string what) {
  return Error::make(ErrorKind::kUsage, std::move(what));
}

}  // namespace

const char* kind_name(Kind kind) {
  return kind == Kind::kChallenge ? "challenge" : "response";
}

size_t digit_count(size_t block_length) {
  return block_length == 16 ? 39 : 20;  // 2^128 - 1 has 39 digits, 2^64 - 1 has 20
}

std::string checksum_of(Kind kind, std::string_view digits) {
  uint32_t sum = kKindOffset * static_cast<uint32_t>(kind);
  uint32_t weight = 1;
  for (char c : digits) {
    if (c < '0' || c > '9') continue;
    sum = (sum + weight * static_cast<uint32_t>(c - '0')) % kModulus;
    ++weight;
  }
  std::string out = std::to_string(sum);
  return std::string(4 - out.size(), '0') + out;
}

Code encode(Kind kind, ByteView block) {
  const std::string digits = to_decimal(block, digit_count(block.size()));
  return {grouped(digits), checksum_of(kind, digits)};
}

Result<Bytes> decode(Kind kind, std::string_view typed_digits, std::string_view typed_checksum,
                     size_t block_length) {
  const std::string name = kind_name(kind);
  const auto digits = digits_only(typed_digits);
  if (!digits) return usage("the " + name + " may contain only digits, spaces and dashes");
  const size_t want = digit_count(block_length);
  if (digits->size() != want)
    return usage("the " + name + " has " + std::to_string(want) + " digits; " +
                 std::to_string(digits->size()) + " were typed (a group missed or read twice?)");
  const auto checksum = digits_only(typed_checksum);
  if (!checksum || checksum->size() != 4) return usage("the " + name + "'s checksum is four digits");
  if (*checksum != checksum_of(kind, *digits)) {
    const Kind other = kind == Kind::kChallenge ? Kind::kResponse : Kind::kChallenge;
    if (*checksum == checksum_of(other, *digits))
      return usage("this is a " + std::string(kind_name(other)) + ", not a " + name +
                   ": the two codes must not be swapped");
    return usage("the " + name +
                 " does not match its checksum: a digit was misheard or two were swapped; read it again");
  }
  auto block = from_decimal(*digits, block_length);
  if (!block)
    return usage("the " + name + " is out of range for a " + std::to_string(block_length) + "-byte block");
  return std::move(*block);
}

}  // namespace keydesk::protocol::unblock_code
