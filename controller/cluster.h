// Small interfaces between the reconciler and the cluster (controller-runtime's client split):
// reads come from the informer stores (shared, decoded once, indexed), writes go to the API.
// Fakes live in tests/unit/controller/fake_cluster.h.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/kube/nodejoin.h"
#include "common/kube/objects.h"
#include "common/status/status.h"
#include "controller/policy/csr_context.h"

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

// What the controller derives from one CSR version, once, when that version enters the store
// (kube_adapters.h DeriveCsr), so that no decision parses a request again.
struct CsrDerived {
  // The node name in the request's CN (system:node:<name>); empty when it has none or does not
  // parse. Kept for every CSR of the kubelet signers (the duplicate index needs decided ones too).
  std::string cn_node_name;
  // A kubelet-client CSR from a bootstrap-token requester (keyed by cn_node_name in the index).
  bool bootstrap_client = false;
  // SHA-256 of this version's spec.request: what the next version's bytes are compared with
  // before this parse is reused (the store drops a decided CSR's request bytes).
  std::array<unsigned char, 32> request_sha256{};
  // The request of exactly this version, parsed, for undecided CSRs of the kubelet signers;
  // null otherwise (decided CSRs and other signers are never evaluated, so their parse is not
  // kept: about 0.9 KiB per P-256 request, without a DER copy).
  policy::ParsedRequest request;
};

// One CSR version from the store and what was derived from exactly that version.
struct StoredCsr {
  CsrPtr object;  // null: not in the store
  std::shared_ptr<const CsrDerived> derived;
};

// The policy's view of a CSR object (base64 already decoded by the codec), without the request
// text: the request is parsed from the object itself.
policy::CsrObject CsrToPolicyObject(const kube::CertificateSigningRequest& csr);
// What the controller keeps beside one CSR version (the store's derive function, set by
// kube_adapters.h AddCsrIndexers). The request is parsed here, once per version; the parse of
// `previous` (the version this one replaces) is reused only when it is the same object (uid)
// with byte-identical spec.request (equal SHA-256).
std::shared_ptr<const CsrDerived> DeriveCsr(const kube::CertificateSigningRequest& csr,
                                            const StoredCsr* previous);

// Read side of one informer store: whether its first list arrived, and an object by name.
template <typename Value>
class StoreLister {
 public:
  virtual ~StoreLister() = default;
  virtual bool HasSynced() const = 0;
  virtual Value Get(const std::string& name) const = 0;
};

// The CSR store.
class CsrLister : public StoreLister<StoredCsr> {
 public:
  // Kubelet-client CSRs from bootstrap-token requesters whose CN is system:node:<node_name>
  // (index; the CN is parsed once per object version).
  virtual std::vector<CsrPtr> BootstrapByNodeName(const std::string& node_name) const = 0;
  // CSRs with no decision whose spec.username is `requester` (index).
  virtual size_t PendingByRequester(const std::string& requester) const = 0;
};

// The Node store.
class NodeLister : public StoreLister<NodePtr> {
 public:
  // Nodes whose status.addresses list `address` (an IP or a DNS name / hostname).
  virtual std::vector<NodePtr> ByAddress(const std::string& address) const = 0;
};

// The NodeJoin store (durable approval records), by node name.
using NodeJoinLister = StoreLister<NodeJoinPtr>;

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
