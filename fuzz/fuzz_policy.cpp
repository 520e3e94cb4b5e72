// The provisioning policy parser over arbitrary bytes (docs/provisioning.md, "The policy file"). Invariants:
// a refused file yields one error of kind usage whose message holds no control character; an
// accepted file satisfies every documented range, names no inline secret, and plans against a factory token
// and a PIV-only token without crashing — a plan always starts with `record` and ends with `confirm`.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "provision/plan.h"
#include "provision/policy.h"

namespace {
using namespace keydesk;
using namespace keydesk::provision;

void check(bool ok) {
  if (!ok) std::abort();
}

void check_policy(const Policy& p) {
  check(!p.name.empty() && p.name.size() <= 32);
  check(p.puk.length >= 6 && p.puk.length <= 8);
  check(p.puk.max_tries >= 1 && p.puk.max_tries <= 15);
  check((p.puk.strategy == PukStrategy::kDerived) == p.puk.derivation_master.has_value());
  check((p.puk.strategy == PukStrategy::kBatchShared) == !p.puk.batch.empty());
  check(p.pin.min_length <= p.pin.length && p.pin.length <= p.pin.max_length && p.pin.length >= 6);
  check(p.pin.max_tries >= 1 && p.pin.max_tries <= 15);
  for (const auto& g : p.oath.generate) {
    check(g.digits >= 6 && g.digits <= 8);
    check(g.secret_bytes >= 16 && g.secret_bytes <= 64);
    check(!g.name.empty() && g.name.size() <= 64);
  }
  if (p.oath.export_to)
    check(p.oath.export_to->preshared_key.has_value() != p.oath.export_to->passphrase.has_value());
  if (p.fido.scope == FidoScope::kPinRule) check(p.fido.pin_length >= p.fido.min_pin_length);
  check(p.digest.size() == 64);
}

void plan_on(const Policy& p, bool aca) {
  TokenFacts f;
  f.cuid = *iso7816::Cuid::parse("4090A1B2C3D4E5F60718");
  f.version = {5, 4, 3};
  if (aca) f.aca = AcaFacts{};
  f.piv = PivFacts{true, true, true, true, true, 0x03, 3, 3};
  f.oath = OathFacts{};
  f.fido = FidoFacts{};
  (void)check_factory_state(p, f);
  auto plan = build_plan(p, f);
  if (!plan.ok()) return;
  check(!plan->steps.empty() && plan->steps.front() == StepId::kRecord &&
        plan->steps.back() == StepId::kConfirm);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto policy = parse_policy(text);
  if (!policy.ok()) {
    const Error& e = policy.error();
    check(e.kind == ErrorKind::kUsage);
    check(!e.context.empty());
    for (unsigned char c : e.context) check(c >= 0x20 && c != 0x7F);
    return 0;
  }
  check_policy(*policy);
  plan_on(*policy, true);
  plan_on(*policy, false);
  return 0;
}
