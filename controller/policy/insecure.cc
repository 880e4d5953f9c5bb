#include "controller/policy/insecure.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace joinguard::controller::policy {
namespace {

// Groups every authenticated (or even anonymous) client, every service account, every token or
// every node is in (kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/authentication/user
// and plugin/pkg/auth/authenticator/token/bootstrap). A CSR from any of them must never be
// enough for a node identity.
constexpr std::array<std::string_view, 6> kBroadGroups = {"system:authenticated",   "system:unauthenticated",
                                                          "system:serviceaccounts", "system:bootstrappers",
                                                          "system:nodes",           "system:masters"};
constexpr std::string_view kTokenGroupPrefix = "system:bootstrappers:";

// Names of very different shapes: a pattern that matches all of them matches any name,
// including the control-plane nodes' own.
const std::vector<std::string>& ProbeNames() {
  static const auto* const kNames =
      new std::vector<std::string>{"a",
                                   "0",
                                   "control-plane",
                                   "kube-master-0",
                                   "ip-10-0-0-1.ec2.internal",
                                   "node.example.com",
                                   std::string(63, 'z') + "." + std::string(63, 'y')};
  return *kNames;
}

bool IsWeakCurve(const std::string& curve) {
  return curve != "P-256" && curve != "P-384" && curve != "P-521";
}

}  // namespace

std::vector<InsecureSetting> FindInsecureSettings(const Policy& p) {
  std::vector<InsecureSetting> out;
  for (size_t i = 0; i < p.allowed_bootstrap_groups.size(); ++i) {
    const std::string& g = p.allowed_bootstrap_groups[i];
    const std::string field = "allowedBootstrapGroups[" + std::to_string(i) + "]";
    bool broad = std::find(kBroadGroups.begin(), kBroadGroups.end(), g) != kBroadGroups.end() ||
                 g.rfind("system:serviceaccounts:", 0) == 0;
    if (broad) {
      out.push_back({field, "\"" + g +
                                "\" is held by far more than one bootstrap token: anyone in it could "
                                "obtain a node identity"});
    } else if (g.rfind(kTokenGroupPrefix, 0) != 0 || g.size() == kTokenGroupPrefix.size()) {
      out.push_back({field, "\"" + g + "\" is not a bootstrap token group (system:bootstrappers:<name>)"});
    }
  }
  if (!p.deny_existing_node && p.node_name_regex) {
    const auto& probes = ProbeNames();
    bool matches_any = std::all_of(probes.begin(), probes.end(), [&](const std::string& n) {
      return MatchesNodeNamePattern(*p.node_name_regex, n);
    });
    if (matches_any) {
      out.push_back(
          {"nodeNamePattern", "\"" + p.node_name_pattern +
                                  "\" matches any name while denyExistingNode is false: a token holder "
                                  "could take over an existing node, control plane included; restrict "
                                  "the pattern or set denyExistingNode: true"});
    }
  }
  for (size_t i = 0; i < p.allowed_keys.size(); ++i) {
    const KeyRule& k = p.allowed_keys[i];
    const std::string field = "allowedKeys[" + std::to_string(i) + "]";
    switch (k.algorithm) {
      case crypto::KeyAlgorithm::kRsa:
        if (k.min_bits < kMinRsaBits) {
          out.push_back({field + ".minBits", std::to_string(k.min_bits) + "-bit RSA keys can be factored"});
        }
        break;
      case crypto::KeyAlgorithm::kEcdsa:
        for (const std::string& c : k.curves) {
          if (IsWeakCurve(c)) out.push_back({field + ".curves", "curve \"" + c + "\" is weaker than P-256"});
        }
        break;
      case crypto::KeyAlgorithm::kEd25519:
        break;
      case crypto::KeyAlgorithm::kOther:
        out.push_back({field + ".algorithm", "an unknown key algorithm cannot be checked for strength"});
        break;
    }
  }
  for (size_t i = 0; i < p.allowed_usages.size(); ++i) {
    for (const auto& set : p.allowed_usages[i].sets) {
      for (const std::string& u : set) {
        if (u == "server auth" || u == "any" || u == "cert sign") {
          out.push_back({"allowedUsages[" + std::to_string(i) + "]",
                         "usage \"" + u + "\" turns a kubelet client certificate into more than one"});
        }
      }
    }
  }
  for (size_t i = 0; i < p.allowed_extensions.size(); ++i) {
    const std::string& oid = p.allowed_extensions[i];
    if (oid == "2.5.29.17" || oid == "2.5.29.19") {
      out.push_back({"allowedExtensions[" + std::to_string(i) + "]",
                     oid == "2.5.29.17" ? "subjectAltName lets a client certificate name other hosts"
                                        : "basicConstraints lets a request ask to be a CA"});
    }
  }
  return out;
}

std::string DescribeInsecureSettings(const std::vector<InsecureSetting>& settings) {
  std::string out;
  for (const InsecureSetting& s : settings) {
    if (!out.empty()) out += "; ";
    out += s.field + ": " + s.why;
  }
  return out;
}

Status CheckPolicyIsSecure(const Policy& p, bool allow_insecure) {
  std::vector<InsecureSetting> found = FindInsecureSettings(p);
  if (found.empty() || allow_insecure) return OkStatus();
  return InvalidArgumentError("the policy would approve insecurely: " + DescribeInsecureSettings(found) +
                              ". Fix the policy, or pass --allow-insecure-policy to run with it anyway");
}

}  // namespace joinguard::controller::policy
