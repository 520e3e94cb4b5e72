#include "transport/readonly_guard.h"

#include <array>
#include <optional>
#include <string_view>

#include "cbor/cbor.h"
#include "iso7816/apdu.h"

namespace keydesk::transport {
namespace {

using iso7816::CommandApdu;

struct KnownApplet {
  GuardedApplet applet;
  std::array<uint8_t, 16> aid;
  size_t length;
};

// Full AIDs; a SELECT names any prefix of at least 5 bytes.
constexpr std::array<KnownApplet, 6> kApplets{{
    {GuardedApplet::kPiv, {0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00}, 11},
    {GuardedApplet::kOath, {0xA0, 0x00, 0x00, 0x05, 0x27, 0x21, 0x01}, 7},
    {GuardedApplet::kManagement, {0xA0, 0x00, 0x00, 0x05, 0x27, 0x47, 0x11, 0x17}, 8},
    {GuardedApplet::kFido, {0xA0, 0x00, 0x00, 0x06, 0x47, 0x2F, 0x00, 0x01}, 8},
    // The open access-control applet (docs/aca-protocol.md).
    {GuardedApplet::kAca, {0xF0, 0x6B, 0x65, 0x79, 0x64, 0x65, 0x73, 0x6B, 0x41, 0x43, 0x41}, 11},
    // The SmartCard-HSM (protocol/sc_hsm.h, docs/hsm.md).
    {GuardedApplet::kScHsm, {0xE8, 0x2B, 0x06, 0x01, 0x04, 0x01, 0x81, 0xC3, 0x1F, 0x02, 0x01}, 11},
}};

// A request or getInfo map that does not decode strictly is treated as "cannot prove read-only".
std::optional<cbor::Value> decode_map(ByteView bytes) {
  cbor::Value v;
  if (cbor::decode(bytes, v) != cbor::DecodeStatus::kOk || !v.is_map()) return std::nullopt;
  return v;
}

std::optional<uint64_t> uint_at_key(ByteView map_bytes, int64_t key) {
  const auto map = decode_map(map_bytes);
  const cbor::Value* v = map ? map->find(key) : nullptr;
  if (!v || !v->is_unsigned()) return std::nullopt;
  return v->as_unsigned();
}

constexpr uint8_t kCtapGetInfo = 0x04, kCtapClientPin = 0x06;
constexpr uint64_t kGetPinRetries = 0x01, kGetKeyAgreement = 0x02, kGetPinToken = 0x05, kGetUvRetries = 0x07,
                   kGetTokenUsingPinWithPermissions = 0x09;

bool no_data(const CommandApdu& c) {
  return c.data.empty();
}

}  // namespace

GuardedApplet applet_for_aid(ByteView aid) {
  if (aid.size() < 5) return GuardedApplet::kNone;
  std::optional<GuardedApplet> match;
  for (const auto& known : kApplets) {
    const ByteView full(known.aid.data(), known.length);
    const size_t n = std::min(aid.size(), full.size());
    // The SELECT names a prefix of the applet's AID, or the full AID followed by a version suffix.
    if (!std::equal(aid.begin(), aid.begin() + static_cast<std::ptrdiff_t>(n), full.begin())) continue;
    if (match) return GuardedApplet::kNone;  // ambiguous prefix: assume nothing
    match = known.applet;
  }
  return match.value_or(GuardedApplet::kNone);
}

const char* guarded_applet_name(GuardedApplet applet) {
  switch (applet) {
    case GuardedApplet::kNone:
      return "none";
    case GuardedApplet::kPiv:
      return "PIV";
    case GuardedApplet::kOath:
      return "OATH";
    case GuardedApplet::kAca:
      return "ACA";
    case GuardedApplet::kManagement:
      return "management";
    case GuardedApplet::kFido:
      return "FIDO";
    case GuardedApplet::kScHsm:
      return "SmartCard-HSM";
  }
  return "none";
}

Status admit_read_only_ctap(ByteView request) {
  auto refuse = [](const char* what) {
    return Error::make(ErrorKind::kRefused, std::string("read-only guard refused CTAP ") + what);
  };
  if (request.empty()) return refuse("empty request");
  const uint8_t command = request[0];
  if (command == kCtapGetInfo) return request.size() == 1 ? Status{} : refuse("getInfo with parameters");
  if (command != kCtapClientPin) return refuse("command that is not getInfo or a clientPIN read");
  auto sub = uint_at_key(request.subspan(1), 0x02);
  if (!sub) return refuse("clientPIN without a readable subCommand");
  switch (*sub) {
    case kGetPinRetries:
    case kGetKeyAgreement:
    case kGetUvRetries:
      return {};
    case kGetPinToken:
    case kGetTokenUsingPinWithPermissions:
      // Never, not even after a getInfo saying clientPin = false (see the header).
      return refuse("PIN token request: it carries a PIN and spends a FIDO retry when a PIN is set");
    default:
      return refuse("clientPIN subcommand that sets, changes or uses a PIN");
  }
}

const char* ReadOnlyGuard::refusal(ByteView raw) const {
  auto parsed = iso7816::parse_command(raw);
  if (!parsed) return "malformed APDU";
  const CommandApdu& c = *parsed;
  if (c.chained()) return "chained command (read-only commands never need chaining)";
  if (c.cla != 0x00 && c.cla != 0x80) return "class byte outside the read-only set";
  // Valid in every applet: SELECT by AID, ISO GET RESPONSE, the card's CPLC (CUID).
  if (c.cla == 0x00 && c.ins == 0xA4 && c.p1 == 0x04 && !c.data.empty()) return nullptr;
  if (c.cla == 0x00 && c.ins == 0xC0 && no_data(c)) return nullptr;
  if (c.ins == 0xCA && c.p1 == 0x9F && c.p2 == 0x7F && no_data(c)) return nullptr;

  const bool iso = c.cla == 0x00;
  // Empty VERIFY asks for the PIN's state without spending a try (PIV, and the shared PIN in OATH and ACA).
  const bool pin_status_query = iso && c.ins == 0x20 && c.p1 == 0x00 && no_data(c);
  const bool has_pin_status = selected_ == GuardedApplet::kPiv || selected_ == GuardedApplet::kOath ||
                              selected_ == GuardedApplet::kAca || selected_ == GuardedApplet::kScHsm;
  if (has_pin_status && pin_status_query) return nullptr;
  if (has_pin_status && c.ins == 0x20) return "VERIFY with a PIN (spends a retry when wrong)";
  switch (selected_) {
    case GuardedApplet::kPiv:
      if (iso && c.ins == 0xCB && c.p1 == 0x3F && c.p2 == 0xFF) return nullptr;  // GET DATA
      if (iso && (c.ins == 0xFD || c.ins == 0xF8 || c.ins == 0xF7) && no_data(c))
        return nullptr;  // GET VERSION, GET SERIAL, GET METADATA
      break;
    case GuardedApplet::kOath:
      // LIST, SEND REMAINING, GET CREDENTIAL PROPERTIES (keydesk extension, docs/oath-extensions.md)
      if (iso && (c.ins == 0xA1 || c.ins == 0xA5 || c.ins == 0xB0) && no_data(c)) return nullptr;
      if (c.ins == 0xA2 || c.ins == 0xA4) return "OATH CALCULATE (a HOTP calculation advances its counter)";
      break;
    case GuardedApplet::kAca:
      if (c.cla == 0x80 && c.ins == 0x30 && no_data(c)) return nullptr;  // GET PROPERTIES
      break;
    case GuardedApplet::kManagement:
      if (iso && c.ins == 0x1D && no_data(c)) return nullptr;  // READ CONFIG
      break;
    case GuardedApplet::kFido:
      if (c.cla == 0x80 && c.ins == 0x11 && no_data(c)) return nullptr;  // NFCCTAP_GETRESPONSE
      if (c.cla == 0x80 && c.ins == 0x10) {
        auto admitted = admit_read_only_ctap(c.data);
        return admitted ? nullptr : "CTAP request that is not read-only";
      }
      break;
    case GuardedApplet::kScHsm:
      // SELECT of a file by its identifier, READ BINARY (odd INS, offset object 54 only), ENUMERATE
      // OBJECTS, and the DKEK status (IMPORT DKEK SHARE without a share). INITIALIZE DEVICE, RESET RETRY
      // COUNTER, CHANGE REFERENCE DATA, key generation, signing and writing never pass.
      if (iso && c.ins == 0xA4 && (c.p1 == 0x00 || c.p1 == 0x02) && c.data.size() == 2) return nullptr;
      if (iso && c.ins == 0xB1 && c.data.size() == 4 && c.data[0] == 0x54 && c.data[1] == 0x02)
        return nullptr;
      if (c.cla == 0x80 && c.ins == 0x58 && c.p1 == 0x00 && c.p2 == 0x00 && no_data(c)) return nullptr;
      if (c.cla == 0x80 && c.ins == 0x52 && c.p1 == 0x00 && c.p2 == 0x00 && no_data(c)) return nullptr;
      break;
    case GuardedApplet::kNone:
      break;
  }
  return "instruction not on the read-only allowlist of the selected applet";
}

void ReadOnlyGuard::learn(ByteView command, ByteView response) {
  auto c = iso7816::parse_command(command);
  if (!c || response.size() < 2 || c->ins != 0xA4 || c->p1 != 0x04) return;
  const uint8_t sw1 = response[response.size() - 2], sw2 = response[response.size() - 1];
  const bool success = (sw1 == 0x90 && sw2 == 0x00) || sw1 == 0x61;
  // A failed SELECT leaves the card's selection uncertain: assume nothing is selected.
  selected_ = success ? applet_for_aid(c->data) : GuardedApplet::kNone;
}

Result<Bytes> ReadOnlyGuard::transmit(ByteView command) {
  if (const char* why = refusal(command)) {
    ++refused_;
    return Error::make(ErrorKind::kRefused, std::string("read-only guard (") +
                                                guarded_applet_name(selected_) + " selected): " + why);
  }
  auto response = inner_.transmit(command);
  if (response) learn(command, *response);
  return response;
}

}  // namespace keydesk::transport
