// What the record store parses from outside: master key references (RFC 7512 pkcs11: URIs), store URLs
// (redaction), secret field names, and the rows an attacker with database access controls (sealed values,
// audit entries). The first byte picks the parser. Invariants: a parsed URI's reference() parses back to
// the same key without its pin-value; a password= value never survives redaction; a sealed value
// that was not sealed here never opens; the audit verifier takes any rows without crashing and reports
// every entry it did not MAC.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "store/audit.h"
#include "store/pkcs11_uri.h"
#include "store/record.h"
#include "store/sealing.h"
#include "store/store_url.h"

namespace {
using namespace keydesk;
using namespace keydesk::store;

const KeyRing& keys() {
  static const KeyRing ring(SecureBytes(32, 0x5A), 1, "fuzz-store");
  return ring;
}

void check(bool ok) {
  if (!ok) std::abort();
}

void fuzz_uri(std::string_view text) {
  auto uri = Pkcs11Uri::parse(text);
  if (!uri.ok()) return;
  const std::string ref = uri->reference();
  auto again = Pkcs11Uri::parse(ref);
  check(again.ok());
  check(again->pin_value.empty());  // the PIN is never part of what the store records
  check(again->token == uri->token && again->object == uri->object && again->id == uri->id &&
        again->module_path == uri->module_path && again->pin_source == uri->pin_source);
}

void fuzz_url(std::string_view text) {
  const std::string shown = redact_url(text);
  // Whatever follows password= in the shown URL is the mask, never the value.
  for (size_t p = shown.find("password="); p != std::string::npos; p = shown.find("password=", p + 1))
    check(shown.compare(p + 9, 3, "***") == 0);
  (void)SecretField::parse(text);
  (void)parse_status(text);
}

void fuzz_sealed(ByteView bytes) {
  auto opened = keys().open({"token-secret", "0102030405060708090A", "puk"}, bytes);
  check(!opened.ok());  // forging a GCM tag without the key does not happen
}

// Entries from the input: each is seven length-prefixed text fields and three 32-byte values.
void fuzz_audit(ByteView in) {
  AuditVerifier verifier(keys());
  size_t at = 0;
  auto take = [&](size_t n) {
    n = std::min(n, in.size() - at);
    std::string s(in.begin() + static_cast<std::ptrdiff_t>(at),
                  in.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
    return s;
  };
  int64_t seq = 0;
  int64_t entries = 0;
  while (at < in.size()) {
    AuditEntry e;
    e.seq = ++seq + (in[at] & 3);
    ++at;
    for (std::string* f : {&e.at, &e.operator_name, &e.action, &e.subject, &e.details, &e.reason}) {
      if (at >= in.size()) break;
      const size_t n = in[at++] % 16;
      *f = take(n);
    }
    e.prev_hash = bytes_of(take(32));
    e.hash = bytes_of(take(32));
    e.mac = bytes_of(take(32));
    verifier.add(e);
    ++entries;
  }
  const AuditReport report = verifier.finish(std::nullopt);
  check(report.entries == entries);
  // Without the audit key no entry carries a valid MAC, so the first entry is always a finding.
  if (entries > 0)
    check(!report.findings.empty() && report.findings.front().kind != AuditDamage::kHeadInvalid);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const ByteView rest(data + 1, size - 1);
  const std::string_view text(reinterpret_cast<const char*>(rest.data()), rest.size());
  switch (data[0] % 4) {
    case 0:
      fuzz_uri(text);
      break;
    case 1:
      fuzz_url(text);
      break;
    case 2:
      fuzz_sealed(rest);
      break;
    default:
      fuzz_audit(rest);
      break;
  }
  return 0;
}
