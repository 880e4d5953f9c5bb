// The CsrPolicy configuration (YAML, apiVersion joinguard.io/v1alpha1, kind CsrPolicy).
// Every field has a default; the README's "Policy reference" documents each one.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
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

// Kubelet serving certificates (signer kubernetes.io/kubelet-serving, serving_checks.h).
struct ServingPolicy {
  // Off by default: upstream never approves serving CSRs, and another serving approver may
  // already run; joinguard decides them only when asked to.
  bool enabled = false;
  std::vector<UsageRule> allowed_usages;  // defaults in DefaultPolicy()
  // When non-empty, every IP SAN must be inside one of these.
  std::vector<std::string> allowed_cidrs;
  // No IP SAN may be inside these: kubeadm's default service CIDR (a node must not serve as a
  // Service IP such as the kubernetes Service's 10.96.0.1).
  std::vector<std::string> denied_cidrs = {"10.96.0.0/12"};
  // Deny SANs equal to an address the API server is reached at (CsrFacts::api_server_addresses).
  bool deny_api_server_addresses = true;
  int64_t max_expiration_seconds = 31536000;  // 365 days; 0 = no cap
};

// What a bootstrap token without a JoinGrant gets.
enum class UngrantedTokens {
  kGlobalRules,  // decided by the global rules alone (kubeadm migration: old tokens have no grant)
  kRefuse,       // denied: only granted tokens may join
};
// Optional SubjectAccessReview gate: the bootstrap requester must also be allowed this by RBAC.
struct AccessReviewRule {
  std::string verb;         // e.g. "create"
  std::string group;        // e.g. "certificates.k8s.io"
  std::string resource;     // e.g. "certificatesigningrequests"
  std::string subresource;  // e.g. "nodeclient"
};
struct JoinGrantPolicy {
  UngrantedTokens without_grant = UngrantedTokens::kGlobalRules;
  std::optional<AccessReviewRule> access_review;  // unset = no SubjectAccessReview
};

// Rate brakes: a tripped brake leaves CSRs pending (never denies) until the window allows.
struct BrakePolicy {
  int32_t max_approvals_per_token = 100;  // per window; 0 = no cap
  int64_t window_seconds = 60;
  int32_t max_pending_per_requester = 10;  // pending CSRs from one requester; 0 = no cap
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

  bool deny_existing_node = true;  // bootstrap CSR for a name whose Node exists
  bool deny_duplicate_in_flight = true;

  ServingPolicy serving;   // kubelet serving certificates (serving_checks.h)
  JoinGrantPolicy grants;  // join grants (controller/grants)
  BrakePolicy brakes;      // rate brakes (controller/grants)

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

// The bytes of a policy file; kNotFound naming --policy-file and the ConfigMap mount when it
// cannot be read (the policy source re-reads it on every change).
StatusOr<std::string> ReadPolicyFile(const std::string& path);

// Reads and parses a policy file.
StatusOr<Policy> LoadPolicyFile(const std::string& path);

}  // namespace joinguard::controller::policy
