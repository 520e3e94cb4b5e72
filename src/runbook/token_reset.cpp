#include "runbook/token_reset.h"

#include "host/oath/oath_session.h"
#include "host/piv/piv_session.h"

namespace keydesk::runbook {
namespace {

using host::VerifyResult;

// PIN and PUK counters are one byte: no reference takes more than 255 wrong attempts to block. The bound
// only guards against a token that never reports "blocked".
constexpr int kMaxTries = 256;

// Presents a deliberately wrong value (8 x FF: not a valid PIN or PUK, as ykman's reset does) until the
// reference is blocked. The number of tries spent, or -1 when the token has no such reference.
template <typename Present>
Result<int> block(const char* what, Present&& present) {
  int spent = 0;
  for (int i = 0; i < kMaxTries; ++i) {
    auto r = present();
    if (!r) return r.error();
    switch (r->kind) {
      case VerifyResult::Kind::kWrong:
        ++spent;
        continue;
      case VerifyResult::Kind::kBlocked:
        if (r->sw.is_retry_counter()) ++spent;  // 63C0: this try was the last; 6983: it already was
        return spent;
      case VerifyResult::Kind::kNotInitialized:
        return -1;
      case VerifyResult::Kind::kOk:
        return Error::make(ErrorKind::kInternal,
                           std::string("PIV reset: the token accepted the deliberately wrong ") + what);
      case VerifyResult::Kind::kRejected:
        return Error::make(ErrorKind::kRefused,
                           std::string("PIV reset: the token rejected the wrong ") + what +
                               " without counting it (" + r->sw.hex() + "); it cannot be blocked this way",
                           r->sw.value);
    }
  }
  return Error::make(ErrorKind::kInternal, std::string("PIV reset: the ") + what + " never reported blocked");
}

std::string tries(int n) {
  return std::to_string(n) + (n == 1 ? " try" : " tries");
}

}  // namespace

Result<bool> has_piv(host::ApduConnection& connection) {
  host::piv::PivSession piv(connection);
  auto selected = piv.select();
  if (selected) return true;
  if (selected.error().kind == ErrorKind::kNotSupported) return false;
  return selected.error();
}

Result<std::vector<std::string>> reset_piv(host::ApduConnection& connection) {
  std::vector<std::string> steps;
  host::piv::PivSession piv(connection);
  KD_TRY(piv.select());
  auto pin = block("PIN", [&] { return piv.verify_pin({}); });
  if (!pin) return pin.error();
  if (*pin < 0) return Error::make(ErrorKind::kNotSupported, "PIV reset: the token has no PIV PIN");
  steps.push_back("PIV: PIN blocked on purpose (" + tries(*pin) + " spent with a deliberately wrong PIN)");
  // The new PIN must be well-formed or the token refuses the command before it counts the PUK (a
  // conforming token checks it first); 123456 is what RESET sets anyway.
  auto puk = block("PUK", [&] { return piv.unblock_pin({}, bytes_of("123456")); });
  if (!puk) return puk.error();
  steps.push_back(*puk < 0 ? "PIV: no PUK on this token, nothing to block"
                           : "PIV: PUK blocked on purpose (" + tries(*puk) +
                                 " spent with a deliberately wrong PUK)");
  // RESET (Yubico INS FB); host::piv::PivSession has no call for it, so it is sent here.
  auto reset = connection.send(iso7816::CommandApdu::make(0x00, 0xFB, 0x00, 0x00));
  if (!reset) return reset.error();
  if (!reset->sw.ok()) return Error::sw(reset->sw.value, "PIV RESET (PIN and PUK blocked)");
  steps.push_back(
      "PIV: RESET: every key, certificate and data object deleted; PIN 123456, PUK 12345678, default "
      "management key");
  return steps;
}

Result<std::vector<std::string>> reset_card_applets(host::ApduConnection& connection) {
  std::vector<std::string> steps;
  host::oath::OathSession oath(connection);
  if (auto selected = oath.select(); selected) {
    KD_TRY(oath.reset());
    steps.push_back("OATH: every credential and the access key deleted");
  } else {
    steps.push_back("OATH: no OATH applet, nothing to delete");
  }
  auto piv = has_piv(connection);
  if (!piv) return piv.error();
  if (!*piv) {
    steps.push_back("PIV: no PIV applet, nothing to reset");
    return steps;
  }
  auto piv_steps = reset_piv(connection);
  if (!piv_steps) return piv_steps.error();
  steps.insert(steps.end(), piv_steps->begin(), piv_steps->end());
  return steps;
}

}  // namespace keydesk::runbook
