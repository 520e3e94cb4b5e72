// authenticatorGetInfo (CTAP 2.1 section 6.4): the lists and sizes come from the profile (DeviceProfile),
// clientPin, ep and remainingDiscoverableCredentials from the token's state.
#include "card/fido/authenticator.h"
#include "protocol/ctap.h"

namespace keydesk::card::fido {
namespace key = protocol::ctap::info;

Reply Authenticator::get_info() const {
  cbor::Map options;
  for (const auto& [name, value] : profile_.options) options.emplace_back(name, value);
  options.emplace_back("clientPin", pin_.is_set());
  if (ep_capable_) options.emplace_back("ep", ep_enabled_);
  cbor::Array versions, transports, algorithms;
  for (const auto& v : profile_.versions) versions.emplace_back(v);
  for (const auto& t : profile_.transports) transports.emplace_back(t);
  for (int64_t alg : profile_.algorithms)
    algorithms.emplace_back(cbor::Map{{"alg", alg}, {"type", "public-key"}});
  cbor::Map info{{key::kVersions, std::move(versions)}};
  if (!profile_.extensions.empty()) {
    cbor::Array extensions;
    for (const auto& e : profile_.extensions) extensions.emplace_back(e);
    info.emplace_back(key::kExtensions, std::move(extensions));
  }
  info.emplace_back(key::kAaguid, cbor::Value(aaguid_));
  info.emplace_back(key::kOptions, std::move(options));
  info.emplace_back(key::kMaxMsgSize, profile_.max_msg_size);
  info.emplace_back(key::kPinUvAuthProtocols, cbor::Array{2, 1});
  info.emplace_back(key::kMaxCredentialCountInList, profile_.max_credential_count_in_list);
  info.emplace_back(key::kMaxCredentialIdLength, profile_.max_credential_id_length);
  info.emplace_back(key::kTransports, std::move(transports));
  info.emplace_back(key::kAlgorithms, std::move(algorithms));
  info.emplace_back(key::kMinPinLength, uint64_t{pin_.min_length()});
  info.emplace_back(key::kFirmwareVersion, uint64_t{firmware_version_});
  info.emplace_back(key::kRemainingDiscoverableCredentials, uint64_t{credentials_.remaining()});
  return cbor::Value(std::move(info));
}

}  // namespace keydesk::card::fido
