#include "controller/policy/policy.h"

#include "controller/policy/serving_checks.h"

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <limits>

#include "common/crypto/key_usage.h"
#include "common/yaml/strict_yaml.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace joinguard::controller::policy {
namespace {

Status FieldError(std::string_view field, std::string_view problem) {
  return InvalidArgumentError(std::string(field) + ": " + std::string(problem));
}

StatusOr<std::string> ScalarString(const YAML::Node& node, std::string_view field) {
  if (!node.IsScalar()) return FieldError(field, "must be a string");
  return node.Scalar();
}

StatusOr<bool> ScalarBool(const YAML::Node& node, std::string_view field) {
  if (!node.IsScalar()) return FieldError(field, "must be true or false");
  const std::string& s = node.Scalar();
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return FieldError(field, "must be true or false, got \"" + s + "\"");
}

// An integer in [min, max], parsed as int64 (no sign prefix, no hex/octal, no overflow) and
// range-checked before it is narrowed to T: "4294967296" must never become 0 in an int.
template <typename T>
StatusOr<T> ScalarIntInRange(const YAML::Node& node, std::string_view field, int64_t min, int64_t max) {
  static_assert(std::is_integral_v<T>);
  if (!node.IsScalar()) return FieldError(field, "must be an integer");
  const std::string& s = node.Scalar();
  int64_t v = 0;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, v, 10);
  if (s.empty() || ptr != end || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    return FieldError(field, "must be a decimal integer, got \"" + s + "\"");
  }
  if (ec == std::errc::result_out_of_range || v < min || v > max ||
      v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
      v > static_cast<int64_t>(std::numeric_limits<T>::max())) {
    return FieldError(
        field, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + s);
  }
  return static_cast<T>(v);
}

// maxExpirationSeconds (top level and serving): 0 (no cap) or kMinExpirationSeconds ..
// kMaxExpirationSeconds. spec.expirationSeconds is an int32 in the API, so a larger cap is a
// typo, not a policy.
StatusOr<int64_t> ExpirationCap(const YAML::Node& node, std::string_view field) {
  JG_ASSIGN_OR_RETURN(int64_t v, ScalarIntInRange<int64_t>(node, field, 0, kMaxExpirationSeconds));
  if (v != 0 && v < kMinExpirationSeconds) {
    return FieldError(field, "must be 0 (no cap) or >= " + std::to_string(kMinExpirationSeconds) +
                                 " (the API server's minimum), got " + std::to_string(v));
  }
  return v;
}

StatusOr<std::vector<std::string>> StringList(const YAML::Node& node, std::string_view field) {
  if (node.IsNull()) return std::vector<std::string>{};
  if (!node.IsSequence()) return FieldError(field, "must be a list of strings");
  std::vector<std::string> out;
  for (size_t i = 0; i < node.size(); ++i) {
    std::string item_field = std::string(field) + "[" + std::to_string(i) + "]";
    JG_ASSIGN_OR_RETURN(std::string v, ScalarString(node[i], item_field));
    out.push_back(std::move(v));
  }
  return out;
}

StatusOr<crypto::KeyAlgorithm> ParseAlgorithm(const std::string& s, std::string_view field) {
  if (s == "RSA") return crypto::KeyAlgorithm::kRsa;
  if (s == "ECDSA") return crypto::KeyAlgorithm::kEcdsa;
  if (s == "Ed25519") return crypto::KeyAlgorithm::kEd25519;
  return FieldError(field, "must be one of RSA, ECDSA, Ed25519, got \"" + s + "\"");
}

Status CheckKnownKeys(const YAML::Node& map, std::string_view where,
                      std::initializer_list<std::string_view> known) {
  for (const auto& kv : map) {
    std::string key = kv.first.as<std::string>();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string field = where.empty() ? key : std::string(where) + "." + key;
      return FieldError(field, "unknown field; check the spelling against the README's policy reference");
    }
  }
  return OkStatus();
}

StatusOr<std::vector<KeyRule>> ParseKeys(const YAML::Node& node) {
  constexpr std::string_view kField = "allowedKeys";
  if (!node.IsSequence() || node.size() == 0) return FieldError(kField, "must be a non-empty list");
  std::vector<KeyRule> out;
  for (size_t i = 0; i < node.size(); ++i) {
    std::string f = std::string(kField) + "[" + std::to_string(i) + "]";
    const YAML::Node& item = node[i];
    if (!item.IsMap()) return FieldError(f, "must be a mapping with algorithm, minBits or curves");
    JG_RETURN_IF_ERROR(CheckKnownKeys(item, f, {"algorithm", "minBits", "curves"}));
    if (!item["algorithm"]) return FieldError(f + ".algorithm", "required");
    JG_ASSIGN_OR_RETURN(std::string alg, ScalarString(item["algorithm"], f + ".algorithm"));
    KeyRule rule;
    JG_ASSIGN_OR_RETURN(rule.algorithm, ParseAlgorithm(alg, f + ".algorithm"));
    if (item["minBits"]) {
      if (rule.algorithm != crypto::KeyAlgorithm::kRsa)
        return FieldError(f + ".minBits", "only valid for RSA");
      // Below kMinRsaBits keys are breakable; above kMaxRsaBits no key could ever verify.
      JG_ASSIGN_OR_RETURN(rule.min_bits,
                          ScalarIntInRange<int>(item["minBits"], f + ".minBits", kMinRsaBits, kMaxRsaBits));
    } else if (rule.algorithm == crypto::KeyAlgorithm::kRsa) {
      rule.min_bits = kMinRsaBits;
    }
    if (item["curves"]) {
      if (rule.algorithm != crypto::KeyAlgorithm::kEcdsa)
        return FieldError(f + ".curves", "only valid for ECDSA");
      JG_ASSIGN_OR_RETURN(rule.curves, StringList(item["curves"], f + ".curves"));
      for (size_t c = 0; c < rule.curves.size(); ++c) {
        const auto& curve = rule.curves[c];
        if (curve != "P-256" && curve != "P-384" && curve != "P-521") {
          return FieldError(
              f + ".curves[" + std::to_string(c) + "]",
              "must be one of P-256, P-384, P-521 (weaker curves such as P-224 are refused), got \"" + curve +
                  "\"");
        }
      }
      if (rule.curves.empty()) return FieldError(f + ".curves", "must not be empty");
    } else if (rule.algorithm == crypto::KeyAlgorithm::kEcdsa) {
      rule.curves = {"P-256", "P-384"};
    }
    out.push_back(std::move(rule));
  }
  return out;
}

// The allowed usage sets of one signer: `field` names the policy field in errors, `required` is
// the usage every set must hold and `forbidden` the other signer's ("client auth" / "server auth").
struct UsageSetRules {
  std::string_view field;
  std::string_view required;
  std::string_view forbidden;
  std::string_view certificates;  // what the signer issues, for messages
};

StatusOr<std::vector<UsageRule>> ParseUsages(const YAML::Node& node, const UsageSetRules& r) {
  const std::string field(r.field);
  if (!node.IsSequence() || node.size() == 0) return FieldError(field, "must be a non-empty list");
  std::vector<UsageRule> out;
  for (size_t i = 0; i < node.size(); ++i) {
    std::string f = field + "[" + std::to_string(i) + "]";
    const YAML::Node& item = node[i];
    if (!item.IsMap()) return FieldError(f, "must be a mapping with algorithm and sets");
    JG_RETURN_IF_ERROR(CheckKnownKeys(item, f, {"algorithm", "sets"}));
    if (!item["algorithm"]) return FieldError(f + ".algorithm", "required");
    JG_ASSIGN_OR_RETURN(std::string alg, ScalarString(item["algorithm"], f + ".algorithm"));
    UsageRule rule;
    JG_ASSIGN_OR_RETURN(rule.algorithm, ParseAlgorithm(alg, f + ".algorithm"));
    const YAML::Node& sets = item["sets"];
    if (!sets || !sets.IsSequence() || sets.size() == 0)
      return FieldError(f + ".sets", "must be a non-empty list of usage lists");
    for (size_t s = 0; s < sets.size(); ++s) {
      std::string sf = f + ".sets[" + std::to_string(s) + "]";
      JG_ASSIGN_OR_RETURN(std::vector<std::string> set, StringList(sets[s], sf));
      if (set.empty()) return FieldError(sf, "must not be empty");
      std::set<std::string> seen;
      for (size_t u = 0; u < set.size(); ++u) {
        if (crypto::FindKeyUsage(set[u]) == nullptr) {
          return FieldError(sf + "[" + std::to_string(u) + "]", "unknown usage \"" + set[u] + "\"");
        }
        if (!seen.insert(set[u]).second)
          return FieldError(sf + "[" + std::to_string(u) + "]", "duplicate usage \"" + set[u] + "\"");
      }
      if (!seen.count(std::string(r.required))) {
        return FieldError(
            sf, "must contain \"" + std::string(r.required) + "\" (" + std::string(r.certificates) + ")");
      }
      if (seen.count(std::string(r.forbidden)) || seen.count("any") || seen.count("cert sign")) {
        return FieldError(sf, "must not contain " + std::string(r.forbidden) +
                                  ", any or cert sign (the signer rejects them for " +
                                  std::string(r.certificates) + ")");
      }
      rule.sets.push_back(std::move(set));
    }
    out.push_back(std::move(rule));
  }
  return out;
}

// A field naming one of two choices ("enforce" or "dry-run", ...); absent leaves *out unchanged.
template <typename E>
Status ReadChoice(const YAML::Node& root, const char* field, std::pair<std::string_view, E> first,
                  std::pair<std::string_view, E> second, E* out) {
  const YAML::Node n = root[field];
  if (!n) return OkStatus();
  JG_ASSIGN_OR_RETURN(std::string s, ScalarString(n, field));
  if (s == first.first) {
    *out = first.second;
  } else if (s == second.first) {
    *out = second.second;
  } else {
    return FieldError(field, "must be " + std::string(first.first) + " or " + std::string(second.first) +
                                 ", got \"" + s + "\"");
  }
  return OkStatus();
}

bool IsDottedOid(const std::string& s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  int dots = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.') {
      if (s[i - 1] == '.') return false;
      ++dots;
    } else if (s[i] < '0' || s[i] > '9') {
      return false;
    }
  }
  return dots >= 1;
}

// serving: (serving_checks.h). Usage sets must contain server auth and nothing a serving
// certificate has no use for.
Status ParseServing(const YAML::Node& node, ServingPolicy* out) {
  if (!node.IsMap()) return FieldError("serving", "must be a mapping");
  JG_RETURN_IF_ERROR(CheckKnownKeys(node, "serving",
                                    {"enabled", "allowedUsages", "allowedCIDRs", "deniedCIDRs",
                                     "denyAPIServerAddresses", "maxExpirationSeconds"}));
  if (node["enabled"]) {
    JG_ASSIGN_OR_RETURN(out->enabled, ScalarBool(node["enabled"], "serving.enabled"));
  }
  if (const YAML::Node& n = node["allowedUsages"]) {
    JG_ASSIGN_OR_RETURN(out->allowed_usages, ParseUsages(n, {"serving.allowedUsages", "server auth",
                                                             "client auth", "kubelet serving certificates"}));
  }
  for (const char* key : {"allowedCIDRs", "deniedCIDRs"}) {
    const YAML::Node& n = node[key];
    if (!n) continue;
    std::string f = std::string("serving.") + key;
    JG_ASSIGN_OR_RETURN(std::vector<std::string> cidrs, StringList(n, f));
    for (size_t i = 0; i < cidrs.size(); ++i) {
      if (auto net = ParseIpNet(cidrs[i]); !net.ok())
        return FieldError(f + "[" + std::to_string(i) + "]", net.status().message());
    }
    (std::string_view(key) == "allowedCIDRs" ? out->allowed_cidrs : out->denied_cidrs) = std::move(cidrs);
  }
  if (node["denyAPIServerAddresses"]) {
    JG_ASSIGN_OR_RETURN(out->deny_api_server_addresses,
                        ScalarBool(node["denyAPIServerAddresses"], "serving.denyAPIServerAddresses"));
  }
  if (const YAML::Node& n = node["maxExpirationSeconds"]) {
    JG_ASSIGN_OR_RETURN(out->max_expiration_seconds, ExpirationCap(n, "serving.maxExpirationSeconds"));
  }
  return OkStatus();
}

// joinGrants: (controller/grants).
Status ParseJoinGrants(const YAML::Node& node, JoinGrantPolicy* out) {
  if (!node.IsMap()) return FieldError("joinGrants", "must be a mapping");
  JG_RETURN_IF_ERROR(CheckKnownKeys(node, "joinGrants", {"withoutGrant", "accessReview"}));
  if (const YAML::Node& n = node["accessReview"]) {
    constexpr std::string_view kField = "joinGrants.accessReview";
    if (!n.IsMap()) return FieldError(kField, "must be a mapping with verb, group, resource and subresource");
    JG_RETURN_IF_ERROR(CheckKnownKeys(n, kField, {"verb", "group", "resource", "subresource"}));
    AccessReviewRule rule;
    for (auto [key, field] :
         {std::pair{"verb", &rule.verb}, std::pair{"group", &rule.group},
          std::pair{"resource", &rule.resource}, std::pair{"subresource", &rule.subresource}}) {
      if (!n[key]) continue;
      JG_ASSIGN_OR_RETURN(*field, ScalarString(n[key], std::string(kField) + "." + key));
    }
    if (rule.verb.empty() || rule.resource.empty()) {
      return FieldError(kField,
                        "needs at least verb and resource, e.g. {verb: create, group: certificates.k8s.io, "
                        "resource: certificatesigningrequests, subresource: nodeclient}");
    }
    out->access_review = rule;
  }
  if (const YAML::Node& n = node["withoutGrant"]) {
    JG_ASSIGN_OR_RETURN(std::string s, ScalarString(n, "joinGrants.withoutGrant"));
    if (s == "global-rules")
      out->without_grant = UngrantedTokens::kGlobalRules;
    else if (s == "refuse")
      out->without_grant = UngrantedTokens::kRefuse;
    else
      return FieldError("joinGrants.withoutGrant", "must be global-rules or refuse, got \"" + s + "\"");
  }
  return OkStatus();
}

// brakes: (controller/grants).
Status ParseBrakes(const YAML::Node& node, BrakePolicy* out) {
  if (!node.IsMap()) return FieldError("brakes", "must be a mapping");
  JG_RETURN_IF_ERROR(
      CheckKnownKeys(node, "brakes", {"maxApprovalsPerToken", "windowSeconds", "maxPendingPerRequester"}));
  // Each brake in its own type; 0 disables a count brake.
  constexpr int64_t kMaxCount = 1000000;
  constexpr int64_t kMaxWindowSeconds = 86400;
  if (const YAML::Node& n = node["maxApprovalsPerToken"]) {
    JG_ASSIGN_OR_RETURN(out->max_approvals_per_token,
                        ScalarIntInRange<int32_t>(n, "brakes.maxApprovalsPerToken", 0, kMaxCount));
  }
  if (const YAML::Node& n = node["windowSeconds"]) {
    JG_ASSIGN_OR_RETURN(out->window_seconds,
                        ScalarIntInRange<int64_t>(n, "brakes.windowSeconds", 1, kMaxWindowSeconds));
  }
  if (const YAML::Node& n = node["maxPendingPerRequester"]) {
    JG_ASSIGN_OR_RETURN(out->max_pending_per_requester,
                        ScalarIntInRange<int32_t>(n, "brakes.maxPendingPerRequester", 0, kMaxCount));
  }
  return OkStatus();
}

}  // namespace

std::string_view ModeName(Mode mode) { return mode == Mode::kEnforce ? "enforce" : "dry-run"; }

Policy DefaultPolicy() {
  Policy p;
  p.allowed_keys = {
      KeyRule{crypto::KeyAlgorithm::kEcdsa, 0, {"P-256", "P-384"}},
      KeyRule{crypto::KeyAlgorithm::kRsa, 2048, {}},
  };
  // kubelet ≥ 1.27 omits key encipherment; older kubelets (and RSA keys) send it
  // (kubernetes/kubernetes pkg/kubelet/certificate/bootstrap/bootstrap.go). Both sets are what
  // upstream's IsKubeletClientCSR (pkg/apis/certificates/helpers.go) accepts.
  const std::vector<std::vector<std::string>> kSets = {
      {"digital signature", "client auth"},
      {"digital signature", "key encipherment", "client auth"},
  };
  p.allowed_usages = {
      UsageRule{crypto::KeyAlgorithm::kEcdsa, kSets},
      UsageRule{crypto::KeyAlgorithm::kRsa, kSets},
      UsageRule{crypto::KeyAlgorithm::kEd25519, {{"digital signature", "client auth"}}},
  };
  // Kubelet serving CSRs: ECDSA keys send {ds, server auth}, RSA keys add key encipherment
  // (kubernetes/kubernetes pkg/kubelet/certificate/kubelet.go); upstream's
  // ValidateKubeletServingCSR accepts exactly these two sets.
  const std::vector<std::vector<std::string>> kServingSets = {
      {"digital signature", "server auth"},
      {"digital signature", "key encipherment", "server auth"},
  };
  p.serving.allowed_usages = {
      UsageRule{crypto::KeyAlgorithm::kEcdsa, kServingSets},
      UsageRule{crypto::KeyAlgorithm::kRsa, kServingSets},
      UsageRule{crypto::KeyAlgorithm::kEd25519, {{"digital signature", "server auth"}}},
  };
  return p;
}

StatusOr<std::shared_ptr<const re2::RE2>> CompileNodeNamePattern(std::string_view pattern) {
  if (pattern.size() > kNodeNamePatternMaxLength) {
    return InvalidArgumentError("nodeNamePattern is longer than " +
                                std::to_string(kNodeNamePatternMaxLength) + " characters; simplify it");
  }
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(kNodeNamePatternMaxMem);
  auto re = std::make_shared<const re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) {
    return InvalidArgumentError("\"" + std::string(pattern) + "\" is not a valid RE2 regular expression: " +
                                re->error() + " (RE2 syntax: https://github.com/google/re2/wiki/Syntax)");
  }
  return std::shared_ptr<const re2::RE2>(std::move(re));
}

bool MatchesNodeNamePattern(const re2::RE2& pattern, std::string_view name) {
  return re2::RE2::FullMatch(re2::StringPiece(name.data(), name.size()), pattern);
}

Status SetNodeNamePattern(Policy& p, std::string_view pattern) {
  JG_ASSIGN_OR_RETURN(p.node_name_regex, CompileNodeNamePattern(pattern));
  p.node_name_pattern = std::string(pattern);
  return OkStatus();
}

StatusOr<Policy> ParsePolicyYaml(std::string_view yaml) {
  // Strict: a repeated key would let the file a reviewer reads differ from the one enforced.
  JG_ASSIGN_OR_RETURN(YAML::Node root, yaml::LoadStrictYaml(yaml, "policy"));
  if (!root.IsMap()) return InvalidArgumentError("policy must be a YAML mapping with apiVersion and kind");
  Policy p = DefaultPolicy();
  try {
    JG_RETURN_IF_ERROR(CheckKnownKeys(
        root, "",
        {"apiVersion", "kind", "metadata", "mode", "onPass", "onFail", "allowedBootstrapGroups",
         "allowRenewal", "nodeNamePattern", "allowedKeys", "allowedUsages", "maxExpirationSeconds",
         "requireExpirationSeconds", "allowedExtensions", "denyExistingNode", "denyDuplicateInFlight",
         "serving", "joinGrants", "brakes"}));
    if (!root["apiVersion"])
      return FieldError("apiVersion", "required; set it to " + std::string(kPolicyApiVersion));
    JG_ASSIGN_OR_RETURN(std::string api_version, ScalarString(root["apiVersion"], "apiVersion"));
    if (api_version != kPolicyApiVersion) {
      return FieldError("apiVersion",
                        "must be \"" + std::string(kPolicyApiVersion) + "\", got \"" + api_version + "\"");
    }
    if (!root["kind"]) return FieldError("kind", "required; set it to CsrPolicy");
    JG_ASSIGN_OR_RETURN(std::string kind, ScalarString(root["kind"], "kind"));
    if (kind != kPolicyKind) return FieldError("kind", "must be \"CsrPolicy\", got \"" + kind + "\"");

    if (const YAML::Node& md = root["metadata"]) {
      if (!md.IsMap()) return FieldError("metadata", "must be a mapping");
      JG_RETURN_IF_ERROR(CheckKnownKeys(md, "metadata", {"name"}));
      if (md["name"]) {
        JG_ASSIGN_OR_RETURN(p.name, ScalarString(md["name"], "metadata.name"));
        if (p.name.empty()) return FieldError("metadata.name", "must not be empty");
      }
    }
    JG_RETURN_IF_ERROR(
        ReadChoice(root, "mode", {"enforce", Mode::kEnforce}, {"dry-run", Mode::kDryRun}, &p.mode));
    JG_RETURN_IF_ERROR(ReadChoice(root, "onPass", {"approve", PassAction::kApprove},
                                  {"leave-pending", PassAction::kLeavePending}, &p.on_pass));
    JG_RETURN_IF_ERROR(ReadChoice(root, "onFail", {"deny", FailAction::kDeny},
                                  {"leave-pending", FailAction::kLeavePending}, &p.on_fail));
    if (const YAML::Node& n = root["allowedBootstrapGroups"]) {
      JG_ASSIGN_OR_RETURN(p.allowed_bootstrap_groups, StringList(n, "allowedBootstrapGroups"));
      for (size_t i = 0; i < p.allowed_bootstrap_groups.size(); ++i) {
        const std::string& g = p.allowed_bootstrap_groups[i];
        // Only auth-extra-groups of bootstrap tokens make sense here; the base group
        // system:bootstrappers holds every token and would defeat the point.
        if (g.rfind("system:bootstrappers:", 0) != 0) {
          return FieldError(
              "allowedBootstrapGroups[" + std::to_string(i) + "]",
              "must start with \"system:bootstrappers:\" (a token's auth-extra-groups), got \"" + g + "\"");
        }
      }
    }
    if (const YAML::Node& n = root["allowRenewal"]) {
      JG_ASSIGN_OR_RETURN(p.allow_renewal, ScalarBool(n, "allowRenewal"));
    }
    if (const YAML::Node& n = root["nodeNamePattern"]) {
      JG_ASSIGN_OR_RETURN(p.node_name_pattern, ScalarString(n, "nodeNamePattern"));
      if (p.node_name_pattern.empty())
        return FieldError("nodeNamePattern", "must not be empty (use \".*\" to allow any valid name)");
    }
    if (Status s = SetNodeNamePattern(p, p.node_name_pattern); !s.ok())
      return FieldError("nodeNamePattern", s.message());
    if (const YAML::Node& n = root["allowedKeys"]) {
      JG_ASSIGN_OR_RETURN(p.allowed_keys, ParseKeys(n));
    }
    if (const YAML::Node& n = root["allowedUsages"]) {
      JG_ASSIGN_OR_RETURN(p.allowed_usages, ParseUsages(n, {"allowedUsages", "client auth", "server auth",
                                                            "kubelet client certificates"}));
    }
    if (const YAML::Node& n = root["maxExpirationSeconds"]) {
      JG_ASSIGN_OR_RETURN(p.max_expiration_seconds, ExpirationCap(n, "maxExpirationSeconds"));
    }
    if (const YAML::Node& n = root["requireExpirationSeconds"]) {
      JG_ASSIGN_OR_RETURN(p.require_expiration_seconds, ScalarBool(n, "requireExpirationSeconds"));
    }
    if (const YAML::Node& n = root["allowedExtensions"]) {
      JG_ASSIGN_OR_RETURN(p.allowed_extensions, StringList(n, "allowedExtensions"));
      for (size_t i = 0; i < p.allowed_extensions.size(); ++i) {
        if (!IsDottedOid(p.allowed_extensions[i])) {
          return FieldError(
              "allowedExtensions[" + std::to_string(i) + "]",
              "must be a dotted OID such as 2.5.29.15, got \"" + p.allowed_extensions[i] + "\"");
        }
        if (p.allowed_extensions[i] == "2.5.29.17") {
          return FieldError(
              "allowedExtensions[" + std::to_string(i) + "]",
              "subjectAltName (2.5.29.17) cannot be allowed: client certificates must carry no SANs");
        }
      }
    }
    if (const YAML::Node& n = root["denyExistingNode"]) {
      JG_ASSIGN_OR_RETURN(p.deny_existing_node, ScalarBool(n, "denyExistingNode"));
    }
    if (const YAML::Node& n = root["denyDuplicateInFlight"]) {
      JG_ASSIGN_OR_RETURN(p.deny_duplicate_in_flight, ScalarBool(n, "denyDuplicateInFlight"));
    }
    if (const YAML::Node& n = root["serving"]) JG_RETURN_IF_ERROR(ParseServing(n, &p.serving));
    if (const YAML::Node& n = root["joinGrants"]) JG_RETURN_IF_ERROR(ParseJoinGrants(n, &p.grants));
    if (const YAML::Node& n = root["brakes"]) JG_RETURN_IF_ERROR(ParseBrakes(n, &p.brakes));
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(std::string("policy: ") + e.what());
  }
  // Every allowed key algorithm needs usage sets, or every such CSR would be denied.
  for (const KeyRule& k : p.allowed_keys) {
    bool found = std::any_of(p.allowed_usages.begin(), p.allowed_usages.end(),
                             [&](const UsageRule& u) { return u.algorithm == k.algorithm; });
    if (!found) {
      return FieldError("allowedUsages", "has no entry for a key algorithm listed in allowedKeys; add one");
    }
  }
  return p;
}

StatusOr<std::string> ReadPolicyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return NotFoundError("cannot read policy file \"" + path +
                         "\"; check --policy-file and the ConfigMap mount");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

StatusOr<Policy> LoadPolicyFile(const std::string& path) {
  JG_ASSIGN_OR_RETURN(std::string content, ReadPolicyFile(path));
  StatusOr<Policy> p = ParsePolicyYaml(content);
  if (!p.ok()) return p.status().Annotate("policy file \"" + path + "\"");
  return p;
}

}  // namespace joinguard::controller::policy
