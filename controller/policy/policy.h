// The CsrPolicy configuration (YAML, apiVersion joinguard.io/v1alpha1, kind CsrPolicy).
// Every field has a default; the README's "Policy reference" documents each one.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/key.h"
#include "common/status/status.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace joinguard::controller::policy {

inline constexpr std::string_view kPolicyApiVersion = "joinguard.io/v1alpha1";
inline constexpr std::string_view kPolicyKind = "CsrPolicy";

enum class Mode { kEnforce, kDryRun };
// What to do with a CSR that passes every check.
enum class PassAction { kApprove, kLeavePending };
// What to do with a CSR that fails a check.
enum class FailAction { kDeny, kLeavePending };

std::string_view ModeName(Mode mode);  // "enforce" / "dry-run"

// Limits of the integers a policy holds (each parsed as int64 and range-checked before it is
// narrowed to its field's type).
inline constexpr int kMinRsaBits = 2048;
// OpenSSL's OPENSSL_RSA_MAX_MODULUS_BITS: larger RSA keys cannot be verified at all.
inline constexpr int kMaxRsaBits = 16384;
// certificates.k8s.io/v1 spec.expirationSeconds: int32, at least 600 (pkg/apis/certificates
// validation).
inline constexpr int64_t kMinExpirationSeconds = 600;
inline constexpr int64_t kMaxExpirationSeconds = 2147483647;
// RE2 program budget and pattern length for nodeNamePattern.
inline constexpr int64_t kNodeNamePatternMaxMem = 1 << 20;
inline constexpr size_t kNodeNamePatternMaxLength = 1024;

// nodeNamePattern compiled with RE2 (linear-time matching: no pattern can make a match slow).
// Errors are kInvalidArgument naming RE2's complaint.
StatusOr<std::shared_ptr<const re2::RE2>> CompileNodeNamePattern(std::string_view pattern);
// True when `name` matches the whole compiled pattern.
bool MatchesNodeNamePattern(const re2::RE2& pattern, std::string_view name);

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

  std::string node_name_pattern = ".*";  // RE2 syntax, must match the whole node name
  // node_name_pattern compiled (never null); set both with SetNodeNamePattern.
  std::shared_ptr<const re2::RE2> node_name_regex = CompileNodeNamePattern(".*").value();

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

// Sets node_name_pattern and its compiled form.
Status SetNodeNamePattern(Policy& p, std::string_view pattern);

// The policy with every default filled in (used when no policy file is given).
Policy DefaultPolicy();

// Parses and validates a CsrPolicy document. Errors are kInvalidArgument and name the field,
// e.g. `spec.maxExpirationSeconds: must be >= 600 or 0, got 10`.
StatusOr<Policy> ParsePolicyYaml(std::string_view yaml);

// Reads and parses a policy file.
StatusOr<Policy> LoadPolicyFile(const std::string& path);

}  // namespace joinguard::controller::policy
