// Semantic validation of JoinGrants and the name coverage rule, shared by the controller's
// JoinGate and the token tooling (so `joinguard-node token create` refuses what the
// controller would refuse).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/grants/join_grant.h"
#include "common/status/status.h"

namespace re2 {
class RE2;
}

namespace joinguard::grants {

// Bounds on grant contents (an attacker who can write a grant already holds cluster power,
// but a typo must not make every decision slow or the object unwritable).
inline constexpr std::size_t kMaxNodeNames = 1000;
inline constexpr std::size_t kMaxPatternLength = 1024;
// RE2's compiled-program budget for one pattern; RE2 matches in time linear in the input.
inline constexpr int64_t kMaxPatternMemoryBytes = 1 << 20;
// Kubernetes' DNS-1123 subdomain limit (k8s.io/apimachinery/pkg/util/validation).
inline constexpr std::size_t kMaxNodeNameLength = 253;

// Kubernetes IsDNS1123Subdomain (k8s.io/apimachinery/pkg/util/validation/validation.go).
bool IsDns1123Subdomain(std::string_view name);

// Decides whether a grant covers a node name: an exact entry of spec.nodeNames, or a full
// match of spec.nodeNamePattern (RE2: linear-time matching, no backtracking). Immutable and
// thread-safe once created.
class NameMatcher {
 public:
  // kInvalidArgument naming spec.nodeNamePattern when the pattern does not compile.
  static StatusOr<NameMatcher> Create(const JoinGrantSpec& spec);
  bool Covers(std::string_view node_name) const;

 private:
  NameMatcher() = default;
  std::vector<std::string> names_;           // sorted
  std::shared_ptr<const re2::RE2> pattern_;  // null when the grant has no pattern
};

// kInvalidArgument naming the field and the fix:
//  - metadata.name must equal spec.tokenID, a valid bootstrap token id ([a-z0-9]{6});
//  - at least one of spec.nodeNames / spec.nodeNamePattern;
//  - every node name a DNS-1123 subdomain, no duplicates, at most kMaxNodeNames;
//  - the pattern compiles under RE2 within the size limits;
//  - spec.maxJoins >= 1.
Status ValidateJoinGrant(const JoinGrant& grant);
// The pattern alone (used by the tooling for --node-name-pattern).
Status ValidateNodeNamePattern(std::string_view pattern);

// spec.expires has passed at `now` (a grant without expires never expires).
bool IsExpired(const JoinGrant& grant, kube::Time now);

}  // namespace joinguard::grants
