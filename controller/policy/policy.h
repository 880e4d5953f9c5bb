// The CsrPolicy configuration (YAML, apiVersion joinguard.io/v1alpha1, kind CsrPolicy).
// Every field has a default; the README's "Policy reference" documents each one.
#pragma once

#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/key.h"
#include "common/status/status.h"

namespace joinguard::controller::policy {

inline constexpr std::string_view kPolicyApiVersion = "joinguard.io/v1alpha1";
inline constexpr std::string_view kPolicyKind = "CsrPolicy";

enum class Mode { kEnforce, kDryRun };
// What to do with a CSR that passes every check.
enum class PassAction { kApprove, kLeavePending };
// What to do with a CSR that fails a check.
enum class FailAction { kDeny, kLeavePending };

std::string_view ModeName(Mode mode);  // "enforce" / "dry-run"

// One allowed key: algorithm RSA (with min bits), ECDSA (with curves) or Ed25519.
struct KeyRule {
  crypto::KeyAlgorithm algorithm = crypto::KeyAlgorithm::kOther;
  int min_bits = 0;                 // RSA only
  std::vector<std::string> curves;  // ECDSA only: "P-256", "P-384", "P-521"
};

// The usage sets allowed for a key algorithm; a CSR's usages must equal one of them as a set.
struct UsageRule {
  crypto::KeyAlgorithm algorithm = crypto::KeyAlgorithm::kOther;
  std::vector<std::vector<std::string>> sets;
};

struct Policy {
  std::string name = "default";  // metadata.name, quoted in approval messages
  Mode mode = Mode::kEnforce;
  PassAction on_pass = PassAction::kApprove;
  FailAction on_fail = FailAction::kDeny;

  std::vector<std::string> allowed_bootstrap_groups = {"system:bootstrappers:kubeadm:default-node-token"};
  bool allow_renewal = true;

  std::string node_name_pattern = ".*";  // ECMAScript, must match the whole node name
  std::regex node_name_regex{".*"};

  std::vector<KeyRule> allowed_keys;      // defaults in DefaultPolicy()
  std::vector<UsageRule> allowed_usages;  // defaults in DefaultPolicy()

  int64_t max_expiration_seconds = 31536000;  // 365 days; 0 = no cap
  bool require_expiration_seconds = false;

  std::vector<std::string> allowed_extensions;  // dotted OIDs allowed in extensionRequest

  bool deny_existing_node = true;   // bootstrap CSR for a name whose Node exists
  bool deny_duplicate_in_flight = true;

  // Bumped by the loader each time a new policy is accepted (1 for the first).
  int64_t generation = 0;
};

// The policy with every default filled in (used when no policy file is given).
Policy DefaultPolicy();

// Parses and validates a CsrPolicy document. Errors are kInvalidArgument and name the field,
// e.g. `spec.maxExpirationSeconds: must be >= 600 or 0, got 10`.
StatusOr<Policy> ParsePolicyYaml(std::string_view yaml);

// Reads and parses a policy file.
StatusOr<Policy> LoadPolicyFile(const std::string& path);

}  // namespace joinguard::controller::policy
