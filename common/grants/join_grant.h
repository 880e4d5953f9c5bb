// JoinGrant (joinguard.io/v1alpha1, cluster-scoped, plural joingrants, short jg): which node
// names one bootstrap token may join, how often and until when. metadata.name is the token id.
//
// The controller reads grants instead of token Secrets (it needs no Secret access) and counts
// every approval on the grant's status with a resourceVersion-conditioned write, so use counts
// survive restarts and leader changes. The token tooling (joinguard-node token) creates a
// grant together with its bootstrap-token Secret.
//
// The codec follows common/kube/objects.h: `raw` keeps the decoded JSON and ToJson() preserves
// fields this struct does not model (managedFields, future spec fields).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/kube/objects.h"
#include "common/kube/resource.h"
#include "common/status/status.h"

namespace joinguard::grants {

inline constexpr kube::Resource kJoinGrants{"joinguard.io", "v1alpha1", "joingrants", "JoinGrant", false};

// Default spec.maxJoins: a token is single use unless its grant says otherwise.
inline constexpr int32_t kDefaultMaxJoins = 1;

struct JoinGrantSpec {
  std::string token_id;
  std::vector<std::string> node_names;   // exact names
  std::string node_name_pattern;         // RE2, must match the whole name; "" = none
  int32_t max_joins = kDefaultMaxJoins;  // >= 1
  std::optional<kube::Time> expires;     // absent = does not expire (the token still may)
  bool allow_rejoin = false;             // may re-issue a name that already joined
};

// One use of the grant: the approval of one CSR. Recorded before the approval is written and
// keyed by CSR uid, so a re-evaluation of the same CSR (after a crash or a failed write) does
// not count twice and Release() gives back exactly that use.
struct JoinClaim {
  std::string node_name;
  std::string csr_name;
  std::string csr_uid;
  std::optional<kube::Time> at;
};

struct JoinGrantStatus {
  int32_t joins = 0;                      // uses consumed (= claims.size() once written by joinguard)
  std::vector<std::string> joined_nodes;  // distinct node names, in claim order
  std::vector<JoinClaim> claims;
};

struct JoinGrant {
  static constexpr const kube::Resource& kResource = kJoinGrants;
  kube::ObjectMeta metadata;
  JoinGrantSpec spec;
  JoinGrantStatus status;
  kube::Json raw;  // as decoded; see file comment

  int32_t RemainingJoins() const { return spec.max_joins > status.joins ? spec.max_joins - status.joins : 0; }
};

// The codec (found by ADL from kube::Client's typed templates). FromJson fails with
// kInvalidArgument naming the field when a field has the wrong JSON type or a bad time; it
// does not validate semantics (ValidateJoinGrant does).
kube::Json ToJson(const JoinGrant& o);
Status FromJson(const kube::Json& j, JoinGrant* out);

}  // namespace joinguard::grants
