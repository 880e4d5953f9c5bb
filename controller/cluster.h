// Small interfaces between the reconciler and the cluster (controller-runtime's client split):
// reads come from the informer stores (shared, decoded once, indexed), writes go to the API.
// Fakes live in tests/unit/controller/fake_cluster.h.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/kube/nodejoin.h"
#include "common/kube/objects.h"
#include "common/status/status.h"

namespace joinguard::controller {

// The one "decided" predicate: an Approved, Denied or Failed condition, or an issued
// certificate. A decided CSR is never decided again.
inline bool IsDecided(const kube::CertificateSigningRequest& c) {
  return kube::IsApproved(c) || kube::IsDenied(c) || kube::IsFailed(c) || kube::IsIssued(c);
}

// The key a Node address and a serving CSR's SAN are compared under (the serving policy's
// CanonicalAddressKey: one spelling per IP, DNS names lower-cased without a trailing dot).
std::string NodeAddressKey(std::string_view address);

using CsrPtr = std::shared_ptr<const kube::CertificateSigningRequest>;
using NodePtr = std::shared_ptr<const kube::Node>;
using NodeJoinPtr = std::shared_ptr<const kube::NodeJoin>;

// Read side: the CSR store.
class CsrLister {
 public:
  virtual ~CsrLister() = default;
  virtual bool HasSynced() const = 0;
  virtual CsrPtr Get(const std::string& name) const = 0;
  // Kubelet-client CSRs from bootstrap-token requesters whose CN is system:node:<node_name>
  // (index; the CN is parsed once per object version).
  virtual std::vector<CsrPtr> BootstrapByNodeName(const std::string& node_name) const = 0;
  // CSRs with no decision whose spec.username is `requester` (index).
  virtual size_t PendingByRequester(const std::string& requester) const = 0;
};

// Read side: the Node store.
class NodeLister {
 public:
  virtual ~NodeLister() = default;
  virtual bool HasSynced() const = 0;
  virtual NodePtr Get(const std::string& name) const = 0;
  // Nodes whose status.addresses list `address` (an IP or a DNS name / hostname).
  virtual std::vector<NodePtr> ByAddress(const std::string& address) const = 0;
};

// Read side: the NodeJoin store (durable approval records).
class NodeJoinLister {
 public:
  virtual ~NodeJoinLister() = default;
  virtual bool HasSynced() const = 0;
  virtual NodeJoinPtr Get(const std::string& node_name) const = 0;
};

// Write side (and the few live reads that must not trust a cache): the API.
class CsrApi {
 public:
  virtual ~CsrApi() = default;
  // Live read (not the cache), used after a conflict.
  virtual StatusOr<kube::CertificateSigningRequest> Get(const std::string& name) = 0;
  // PUT .../approval with the object's conditions, resourceVersion and uid (stale RV or another
  // object under the same name → IsConflict).
  virtual StatusOr<kube::CertificateSigningRequest> UpdateApproval(
      const kube::CertificateSigningRequest& csr) = 0;
  // Live Node lookup: a Node's existence is confirmed live both before approving (the cache may
  // not have seen a Node created a moment ago) and before a NodeExists denial (the cache may
  // not have seen a deletion).
  virtual StatusOr<bool> NodeExists(const std::string& name) = 0;
};

// Write side for NodeJoin records.
class NodeJoinApi {
 public:
  virtual ~NodeJoinApi() = default;
  virtual StatusOr<kube::NodeJoin> Get(const std::string& name) = 0;
  // AlreadyExists when the name is claimed.
  virtual StatusOr<kube::NodeJoin> Create(const kube::NodeJoin& record) = 0;
  // PUT with metadata.resourceVersion (stale → IsConflict).
  virtual StatusOr<kube::NodeJoin> Update(const kube::NodeJoin& record) = 0;
  // DELETE with a uid precondition (another object under the name → IsConflict).
  virtual Status Delete(const std::string& name, const std::string& uid) = 0;
};

// Leader fencing: true only while this replica may write (the last successful lease renew is
// younger than the renew deadline). Checked immediately before every write.
class WriteFence {
 public:
  virtual ~WriteFence() = default;
  virtual bool MayWrite() const = 0;
};

}  // namespace joinguard::controller
