// The CBOR request parser and the whole authenticator behind it: the input is one CTAP request
// (command byte + CBOR). Responses must be a status byte alone or success + well-formed canonical CBOR.
// The authenticator is configured as the yubikey5 profile is (extensions, EdDSA, U2F), so the
// extension maps and algorithm choices are reached. An input starting with 00 (no CTAP command has that
// number) is a U2F request message, as CTAPHID_MSG carries it: its response must end in a status word.
#include <cstdlib>

#include "card/fido/authenticator.h"

namespace {
keydesk::card::fido::Authenticator& authenticator() {
  static keydesk::card::CardContext context;
  static keydesk::card::fido::Authenticator a = [] {
    keydesk::card::fido::Authenticator made(context);
    const nlohmann::json profile = {
        {"versions", {"U2F_V2", "FIDO_2_0", "FIDO_2_1_PRE"}},
        {"extensions", {"credProtect", "hmac-secret"}},
        {"algorithms", {-7, -8}},
        {"options", {{"rk", true}, {"up", true}, {"credentialMgmtPreview", true}}},
        {"ctaphid_capabilities", {"wink", "cbor"}},
        {"credentials", {{"max_discoverable_credentials", 4}}}};
    if (!made.load(profile).ok()) std::abort();
    return made;
  }();
  return a;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 0 && data[0] == 0x00) {
    const keydesk::Bytes response = authenticator().handle_u2f(keydesk::ByteView(data + 1, size - 1));
    if (response.size() < 2) std::abort();
    return 0;
  }
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
