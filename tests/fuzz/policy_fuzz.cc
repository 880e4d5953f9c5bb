// CsrPolicy loader (through the strict YAML loader) and the insecure-policy vetting.
#include "controller/policy/insecure.h"
#include "controller/policy/policy.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace joinguard::controller::policy;
  auto p = ParsePolicyYaml(joinguard::fuzz::AsView(data, size));
  if (p.ok()) {
    (void)FindInsecureSettings(*p);
    joinguard::fuzz::Require(p->node_name_regex != nullptr, "policy without a compiled pattern");
    for (const KeyRule& k : p->allowed_keys) {
      if (k.algorithm == joinguard::crypto::KeyAlgorithm::kRsa) {
        joinguard::fuzz::Require(k.min_bits >= kMinRsaBits && k.min_bits <= kMaxRsaBits,
                                 "minBits out of range");
      }
    }
  }
  return 0;
}
