// The CBOR request parser and the whole authenticator behind it: the input is one CTAP request
// (command byte + CBOR). Responses must be a status byte alone or success + well-formed canonical CBOR.
#include <cstdlib>

#include "fido/authenticator.h"

namespace {
keydesk::fido::Authenticator& authenticator() {
  static keydesk::card::CardContext context;
  static keydesk::fido::Authenticator a = [] {
    keydesk::fido::Authenticator made(context);
    if (!made.load({{"credentials", {{"max_discoverable_credentials", 4}}}}).ok()) std::abort();
    return made;
  }();
  return a;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const keydesk::Bytes response = authenticator().handle(keydesk::ByteView(data, size));
  if (response.empty()) std::abort();
  if (response.size() > 1) {
    if (response[0] != 0x00) std::abort();  // errors are one byte
    keydesk::cbor::Value body;
    const keydesk::ByteView cbor = keydesk::ByteView(response).subspan(1);
    if (keydesk::cbor::decode(cbor, body) != keydesk::cbor::DecodeStatus::kOk) std::abort();
    if (keydesk::cbor::encode(body) != keydesk::Bytes(cbor.begin(), cbor.end())) std::abort();
  }
  return 0;
}
