#include "iso7816/secret_mask.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace keydesk::iso7816 {
namespace {

// VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER / UNBLOCK PIN (PIV, ACA, OATH PIN); YKOATH PUT (key),
// SET CODE, VALIDATE; ACA EXTERNAL AUTHENTICATE, PUT PUK, PUT XAUTH KEY; PIV GENERAL AUTHENTICATE
// (management key and private-key operations), PUT DATA, IMPORT KEY, SET MANAGEMENT KEY; SmartCard-HSM
// INITIALIZE DEVICE (SO-PIN and user PIN) and IMPORT DKEK SHARE.
constexpr std::array<uint8_t, 15> kSecretCommandIns{0x20, 0x24, 0x2C, 0x01, 0x03, 0xA3, 0x82, 0x34,
                                                    0x36, 0x87, 0xDB, 0xFE, 0xFF, 0x50, 0x52};
// VALIDATE and GENERAL AUTHENTICATE answer with values that prove knowledge of a key.
constexpr std::array<uint8_t, 2> kSecretResponseIns{0xA3, 0x87};
// NFCCTAP MSG (CLA 80 INS 10): CTAP requests other than getInfo (0x04) may carry PIN material.
constexpr uint8_t kNfcctapMsg = 0x10;
constexpr uint8_t kCtapGetInfo = 0x04;
// Their responses carry hmac-secret outputs (CTAP 2.1 section 12.5: the symmetric secrets that unlock disks
// and password managers), encrypted only under a per-request shared secret: never shown.
constexpr uint8_t kCtapGetAssertion = 0x02, kCtapGetNextAssertion = 0x08;

template <size_t N>
bool in(const std::array<uint8_t, N>& set, uint8_t ins) {
  return std::find(set.begin(), set.end(), ins) != set.end();
}

std::string hex_byte(uint8_t b) {
  char buf[3];
  std::snprintf(buf, sizeof buf, "%02X", b);
  return buf;
}

// Strings here are built by appending: `"<" + std::to_string(n)` makes GCC 12 warn -Wrestrict at -O3 (a
// false positive in basic_string::_M_replace, GCC bug 105329), and the release build treats warnings as
// errors.
std::string masked(size_t n) {
  std::string text = "<";
  text += std::to_string(n);
  text += " bytes masked>";
  return text;
}

std::string header(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2) {
  return hex_byte(cla) + " " + hex_byte(ins) + " " + hex_byte(p1) + " " + hex_byte(p2);
}

}  // namespace

bool carries_secret(const CommandApdu& c) {
  if (in(kSecretCommandIns, c.ins)) return true;
  return (c.cla & 0x80) != 0 && c.ins == kNfcctapMsg && !c.data.empty() && c.data[0] != kCtapGetInfo;
}

bool response_carries_secret(const CommandApdu& c) {
  if ((c.cla & 0x80) != 0 && c.ins == kNfcctapMsg && !c.data.empty() &&
      (c.data[0] == kCtapGetAssertion || c.data[0] == kCtapGetNextAssertion))
    return true;
  return in(kSecretResponseIns, c.ins);
}

std::string describe_masked(const CommandApdu& c) {
  std::string line = header(c.cla, c.ins, c.p1, c.p2);
  if (!c.data.empty()) {
    line += ' ';
    line += carries_secret(c) ? masked(c.data.size()) : to_hex(c.data, true);
  }
  if (c.ne != 0) {
    line += " Le=";
    line += std::to_string(c.ne);
  }
  return line;
}

std::string describe_masked(const CommandApdu& c, const ResponseApdu& r) {
  std::string line;
  if (!r.data.empty()) {
    line = response_carries_secret(c) ? masked(r.data.size()) : to_hex(r.data, true);
    line += ' ';
  }
  line += r.sw.hex();
  return line;
}

std::string describe_masked_raw(ByteView raw) {
  auto parsed = parse_command(raw);
  if (parsed) return describe_masked(*parsed);
  std::string text;
  if (raw.size() < 4) {
    text = "<";
    text += std::to_string(raw.size());
    text += " bytes, not an APDU>";
    return text;
  }
  text = header(raw[0], raw[1], raw[2], raw[3]);
  text += " <";
  text += std::to_string(raw.size() - 4);
  text += " bytes after the header, malformed>";
  return text;
}

}  // namespace keydesk::iso7816
