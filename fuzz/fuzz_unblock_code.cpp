// Unblock codes as a person types them (docs/unblock-codes.md, docs/recovery.md) over arbitrary bytes: the
// first byte chooses the code's kind and whether the block size is known (the user's side) or inferred
// (the help desk's); the rest is the typed code, then after a newline the typed checksum (none: the
// checksum is the last four digits). Invariants: a refusal is one usage error whose words hold no control
// character; an accepted code is a block of 8 or 16 bytes whose own encoding has the digits and the
// checksum that were typed - so no code is accepted with a checksum other than its own.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "recovery/code_entry.h"

namespace {
using namespace keydesk;
namespace code = keydesk::protocol::unblock_code;

void check(bool ok) {
  if (!ok) std::abort();
}

std::string digits_of(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c >= '0' && c <= '9') out.push_back(c);
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const code::Kind kind = (mode & 1) ? code::Kind::kResponse : code::Kind::kChallenge;
  std::optional<size_t> block_length;
  if (mode & 2) block_length = (mode & 4) ? 16 : 8;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const size_t newline = rest.find('\n');
  const std::string_view typed = rest.substr(0, newline);
  const std::string_view checksum =
      newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);

  auto block = recovery::read_typed_code(kind, typed, checksum, block_length);
  if (!block.ok()) {
    check(block.error().kind == ErrorKind::kUsage);
    for (unsigned char c : describe(block.error())) check(c >= 0x20 && c != 0x7F);
    return 0;
  }
  check(block->size() == 8 || block->size() == 16);
  if (block_length) check(block->size() == *block_length);
  const code::Code again = code::encode(kind, *block);
  const std::string all = digits_of(typed) + digits_of(checksum);
  check(all == digits_of(again.digits) + again.checksum);
  return 0;
}
