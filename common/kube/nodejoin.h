// joinguard.io/v1alpha1 NodeJoin: the controller's durable approval record, one per node name
// approved through a bootstrap token (metadata.name = node name). The leader creates it BEFORE
// writing the approval, so Create is the atomic cross-replica claim of a name (AlreadyExists =
// claimed); the record outlives the CSR, which the CSR cleaner deletes about an hour after the
// decision (kubernetes/kubernetes pkg/controller/certificates/cleaner/cleaner.go). CRD manifest:
// deploy/base/crds/nodejoins.yaml.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/kube/objects.h"

namespace joinguard::kube {

namespace resources {
inline constexpr Resource kNodeJoins{"joinguard.io", "v1alpha1", "nodejoins", "NodeJoin", false};
}  // namespace resources

inline constexpr std::string_view kNodeJoinTokenIdLabel = "joinguard.io/token-id";
inline constexpr std::string_view kNodeJoinPhaseClaimed = "Claimed";
inline constexpr std::string_view kNodeJoinPhaseApproved = "Approved";

struct NodeJoinSpec {
  std::string node_name;
  std::string token_id;
  std::string requester;  // the CSR's spec.username
  std::string csr_name;
  std::string csr_uid;
  std::string grant;  // the JoinGrant that admitted the join ("" = none)
};

struct NodeJoinStatus {
  std::string phase;  // Claimed | Approved
  std::optional<Time> approved_at;
};

struct NodeJoin {
  static constexpr const Resource& kResource = resources::kNodeJoins;
  ObjectMeta metadata;
  NodeJoinSpec spec;
  NodeJoinStatus status;
  Json raw;  // as decoded; ToJson keeps unknown top-level fields
};

// Codec (same contract as objects.h: ToJson sets apiVersion/kind and keeps unknown fields of
// `raw`; FromJson names the offending field).
Json ToJson(const NodeJoin& o);
Status FromJson(const Json& j, NodeJoin* out);

}  // namespace joinguard::kube
