// authenticatorGetInfo (CTAP 2.1 section 6.4).
#include "fido/authenticator.h"
#include "fido/cose.h"

namespace keydesk::fido {
namespace {
constexpr uint64_t kMaxCredentialCountInList = 8;
constexpr uint64_t kMaxCredentialIdLength = 64;
}  // namespace

Reply Authenticator::get_info() const {
  cbor::Map options{
      {"rk", true}, {"up", true}, {"clientPin", pin_.is_set()}, {"credMgmt", true}, {"pinUvAuthToken", true}};
  if (ep_capable_) options.emplace_back("ep", ep_enabled_);
  return cbor::Value(cbor::Map{
      {1, cbor::Array{"FIDO_2_0", "FIDO_2_1"}},
      {3, cbor::Value(aaguid_)},
      {4, std::move(options)},
      {5, kMaxMessageSize},
      {6, cbor::Array{2, 1}},
      {7, kMaxCredentialCountInList},
      {8, kMaxCredentialIdLength},
      {9, cbor::Array{"nfc", "usb"}},
      {10, cbor::Array{cbor::Map{{"alg", kCoseAlgEs256}, {"type", "public-key"}}}},
      {13, uint64_t{pin_.min_length()}},
      {14, uint64_t{firmware_version_}},
      {20, uint64_t{credentials_.remaining()}},
  });
}

}  // namespace keydesk::fido
