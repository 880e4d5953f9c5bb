// spec.expirationSeconds against a policy cap, shared by the client-certificate rule
// (maxExpirationSeconds, checks.cc) and the serving-certificate rule
// (serving.maxExpirationSeconds, serving_checks.cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "controller/policy/check_result.h"
#include "controller/policy/checks.h"
#include "controller/policy/csr_context.h"
#include "controller/policy/policy.h"

namespace joinguard::controller::policy {

// No spec.expirationSeconds: denied only when the policy requires one. Above `cap` (0 = no
// cap): denied, the message naming `cap_field` and finished by `advice`.
inline CheckResult CheckExpirationCap(const CsrContext& ctx, const Policy& p, int64_t cap,
                                      std::string_view cap_field, std::string (*advice)(std::string_view)) {
  const auto& exp = ctx.csr().expiration_seconds;
  if (!exp) {
    if (p.require_expiration_seconds) {
      return CheckResult::Deny(
          std::string(reason::kExpirationRequired),
          "spec.expirationSeconds is not set, but the policy requires it (requireExpirationSeconds)");
    }
    return CheckResult::Approve();
  }
  if (cap > 0 && *exp > cap) {
    return CheckResult::Deny(
        std::string(reason::kExpirationTooLong),
        advice("spec.expirationSeconds " + std::to_string(*exp) + " exceeds the policy's " +
               std::string(cap_field) + " " + std::to_string(cap)));
  }
  return CheckResult::Approve();
}

}  // namespace joinguard::controller::policy
