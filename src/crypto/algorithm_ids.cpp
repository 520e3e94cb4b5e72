#include "crypto/algorithm_ids.h"

#include <array>
#include <utility>

namespace keydesk::crypto {
namespace {
constexpr std::array<std::pair<uint8_t, BlockCipher>, 4> kPivCiphers{{
    {0x03, BlockCipher::kTdes},
    {0x08, BlockCipher::kAes128},
    {0x0A, BlockCipher::kAes192},
    {0x0C, BlockCipher::kAes256},
}};
constexpr std::array<std::pair<uint8_t, HashAlg>, 3> kOathHashes{{
    {0x01, HashAlg::kSha1},
    {0x02, HashAlg::kSha256},
    {0x03, HashAlg::kSha512},
}};
}  // namespace

std::optional<BlockCipher> block_cipher_from_piv_id(uint8_t id) {
  for (const auto& [wire, cipher] : kPivCiphers)
    if (wire == id) return cipher;
  return std::nullopt;
}

uint8_t piv_id_of(BlockCipher cipher) {
  for (const auto& [wire, c] : kPivCiphers)
    if (c == cipher) return wire;
  return 0x00;
}

std::optional<HashAlg> hash_from_oath_nibble(uint8_t nibble) {
  for (const auto& [wire, hash] : kOathHashes)
    if (wire == nibble) return hash;
  return std::nullopt;
}

uint8_t oath_nibble_of(HashAlg hash) {
  for (const auto& [wire, h] : kOathHashes)
    if (h == hash) return wire;
  return 0x01;
}

}  // namespace keydesk::crypto
