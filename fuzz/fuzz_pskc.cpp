// PSKC reader (RFC 6030) over arbitrary bytes, with the pre-shared key of RFC 6030 Figure 6 and the
// passphrase of Figure 7 so the MAC, padding, key wrap and PBKDF2 paths are reached from the seed corpus.
// Invariants: no crash; an import is all or nothing (a Container with keys that satisfy the reader's own
// rules, or an Error of a known kind); and whatever was imported survives an export and re-import unchanged.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string_view>

#include "pskc/pskc.h"

using namespace keydesk;
using namespace keydesk::pskc;

namespace {

const SecureBytes& figure6_key() {
  static const SecureBytes key = secure_copy(from_hex("12345678901234567890123456789012").value());
  return key;
}

void check_key(const OathKey& k, std::set<std::string>& ids) {
  if (k.id.empty() || !ids.insert(k.id).second) std::abort();
  if (k.digits < 6 || k.digits > 9) std::abort();
  if (k.secret.size() < 16 || k.secret.size() > 128) std::abort();
  if (k.time_interval && *k.time_interval == 0) std::abort();
}

bool same(const OathKey& a, const OathKey& b) {
  return a.id == b.id && a.algorithm == b.algorithm && a.hash == b.hash && a.issuer == b.issuer &&
         a.friendly_name == b.friendly_name && a.user_id == b.user_id &&
         a.device.manufacturer == b.device.manufacturer && a.device.serial_no == b.device.serial_no &&
         a.device.model == b.device.model && a.device.user_id == b.device.user_id &&
         a.crypto_module_id == b.crypto_module_id && a.digits == b.digits && a.secret == b.secret &&
         a.counter == b.counter && a.time == b.time && a.time_interval == b.time_interval &&
         a.time_drift == b.time_drift && a.policy.start_date == b.policy.start_date &&
         a.policy.expiry_date == b.policy.expiry_date &&
         a.policy.number_of_transactions == b.policy.number_of_transactions;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  Decryption decryption{figure6_key(), SecureString("qwerty")};
  ReadLimits limits;
  limits.max_bytes = 1 << 20;
  limits.max_pbkdf2_iterations = 2000;  // Figure 7 needs 1000; more would only slow the fuzzer down
  auto r = read_pskc(input, decryption, limits);
  if (!r.ok()) {
    const ErrorKind k = r.error().kind;
    if (k != ErrorKind::kMalformed && k != ErrorKind::kNotSupported && k != ErrorKind::kUsage &&
        k != ErrorKind::kRefused)
      std::abort();
    return 0;
  }
  if (r->keys.empty()) std::abort();
  std::set<std::string> ids;
  for (auto& k : r->keys) {
    check_key(k, ids);
    if (k.algorithm == OtpAlgorithm::kHotp && !k.counter) k.counter = 0;  // export requires it
  }
  auto xml = write_pskc(*r, ExportProtection{figure6_key(), std::nullopt, "fuzz"});
  if (!xml.ok()) std::abort();
  auto back = read_pskc(*xml, Decryption{figure6_key(), std::nullopt});
  if (!back.ok() || back->keys.size() != r->keys.size()) std::abort();
  for (size_t i = 0; i < r->keys.size(); ++i)
    if (!same(r->keys[i], back->keys[i])) std::abort();
  return 0;
}
