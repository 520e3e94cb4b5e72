#include "protocol/piv.h"

#include <array>
#include <utility>

namespace keydesk::protocol::piv {
namespace {
constexpr std::array<std::pair<Algorithm, std::string_view>, 8> kAlgorithmNames{{
    {Algorithm::kTdes, "TDES"},
    {Algorithm::kRsa1024, "RSA1024"},
    {Algorithm::kRsa2048, "RSA2048"},
    {Algorithm::kAes128, "AES128"},
    {Algorithm::kAes192, "AES192"},
    {Algorithm::kAes256, "AES256"},
    {Algorithm::kEccP256, "ECCP256"},
    {Algorithm::kEccP384, "ECCP384"},
}};
constexpr std::array<std::string_view, 4> kPinPolicyNames{"default", "never", "once", "always"};
constexpr std::array<std::string_view, 4> kTouchPolicyNames{"default", "never", "always", "cached"};

template <typename Enum, size_t N>
std::optional<Enum> enum_from_name(const std::array<std::string_view, N>& names, std::string_view name) {
  for (size_t i = 0; i < N; ++i)
    if (names[i] == name) return static_cast<Enum>(i);
  return std::nullopt;
}
}  // namespace

bool is_symmetric(Algorithm a) {
  return a == Algorithm::kTdes || a == Algorithm::kAes128 || a == Algorithm::kAes192 ||
         a == Algorithm::kAes256;
}
bool is_rsa(Algorithm a) {
  return a == Algorithm::kRsa1024 || a == Algorithm::kRsa2048;
}
bool is_ec(Algorithm a) {
  return a == Algorithm::kEccP256 || a == Algorithm::kEccP384;
}

std::optional<Algorithm> algorithm_from_byte(uint8_t b) {
  for (const auto& [alg, name] : kAlgorithmNames)
    if (static_cast<uint8_t>(alg) == b) return alg;
  return std::nullopt;
}
std::string_view algorithm_name(Algorithm a) {
  for (const auto& [alg, name] : kAlgorithmNames)
    if (alg == a) return name;
  return "unknown";
}
std::optional<Algorithm> algorithm_from_name(std::string_view wanted) {
  for (const auto& [alg, name] : kAlgorithmNames)
    if (name == wanted) return alg;
  return std::nullopt;
}

std::optional<PinPolicy> pin_policy_from_byte(uint8_t b) {
  if (b >= kPinPolicyNames.size()) return std::nullopt;
  return static_cast<PinPolicy>(b);
}
std::optional<TouchPolicy> touch_policy_from_byte(uint8_t b) {
  if (b >= kTouchPolicyNames.size()) return std::nullopt;
  return static_cast<TouchPolicy>(b);
}
std::string_view policy_name(PinPolicy p) {
  return kPinPolicyNames[static_cast<size_t>(p)];
}
std::string_view policy_name(TouchPolicy p) {
  return kTouchPolicyNames[static_cast<size_t>(p)];
}
std::optional<PinPolicy> pin_policy_from_name(std::string_view name) {
  return enum_from_name<PinPolicy>(kPinPolicyNames, name);
}
std::optional<TouchPolicy> touch_policy_from_name(std::string_view name) {
  return enum_from_name<TouchPolicy>(kTouchPolicyNames, name);
}

}  // namespace keydesk::protocol::piv
