// The cluster interfaces (cluster.h) implemented over common/kube informers and client, and the
// store indexes the reconciler's lookups use.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/kube/api_error.h"
#include "common/kube/client.h"
#include "common/kube/informer.h"
#include "common/kube/nodejoin.h"
#include "controller/cluster.h"

namespace joinguard::controller {

using CsrInformer = kube::Informer<kube::CertificateSigningRequest, CsrDerived>;
using NodeInformer = kube::Informer<kube::Node>;
using NodeJoinInformer = kube::Informer<kube::NodeJoin>;

// Index names.
inline constexpr char kBootstrapByNodeName[] = "bootstrapByNodeName";
inline constexpr char kPendingByRequester[] = "pendingByRequester";
inline constexpr char kNodesByAddress[] = "byAddress";

// The CSR store's transform: a decided CSR of the kubelet signers is stored without its
// spec.request bytes, usages, requester uid and extra, and without its conditions' messages
// (about 0.7 KiB of a kubelet CSR). Nothing reads them: a decided CSR is never evaluated or
// written again (the approval write carries the undecided version it evaluated), the duplicate
// check reads its name, uid, creationTimestamp, requester name and groups and its conditions'
// types and statuses, and the next version's request is compared with
// CsrDerived::request_sha256.
void TrimDecidedCsr(kube::CertificateSigningRequest& csr, const CsrDerived* derived);
// The Node store's transform: the controller reads a cached Node's name and status.addresses
// only (the serving facts; a Node's existence is always read live), so labels, annotations,
// conditions and spec.providerID are not kept (kubelet-registered Nodes carry KiBs of them).
void TrimCachedNode(kube::Node& node, const kube::NoDerived*);
// Sets DeriveCsr as the CSR store's derive function and TrimDecidedCsr as its transform, and
// adds its indexes: bootstrap kubelet-client CSRs by the node name in their CN, and undecided
// CSRs by requester.
Status AddCsrIndexers(CsrInformer& informer);
// Sets TrimCachedNode as the Node store's transform and adds the Node index by address (every
// status.addresses entry, Hostname included).
Status AddNodeIndexers(NodeInformer& informer);

class InformerCsrLister final : public CsrLister {
 public:
  explicit InformerCsrLister(const CsrInformer& informer) : informer_(informer) {}
  bool HasSynced() const override { return informer_.HasSynced(); }
  StoredCsr Get(const std::string& name) const override {
    CsrInformer::Item item = informer_.GetItem(name);
    return {std::move(item.obj), std::move(item.derived)};
  }
  std::vector<CsrPtr> BootstrapByNodeName(const std::string& node_name) const override {
    return informer_.ByIndex(kBootstrapByNodeName, node_name);
  }
  size_t PendingByRequester(const std::string& requester) const override {
    return informer_.CountByIndex(kPendingByRequester, requester);
  }

 private:
  const CsrInformer& informer_;
};

// HasSynced and Get of a lister over an informer store whose reads are plain objects.
template <typename Lister, typename StoreInformer>
class InformerLister : public Lister {
 public:
  explicit InformerLister(const StoreInformer& informer) : informer_(informer) {}
  bool HasSynced() const override { return informer_.HasSynced(); }
  typename StoreInformer::Ptr Get(const std::string& name) const override { return informer_.Get(name); }

 protected:
  const StoreInformer& informer_;
};

class InformerNodeLister final : public InformerLister<NodeLister, NodeInformer> {
 public:
  using InformerLister::InformerLister;
  std::vector<NodePtr> ByAddress(const std::string& address) const override {
    return informer_.ByIndex(kNodesByAddress, NodeAddressKey(address));
  }
};

using InformerNodeJoinLister = InformerLister<NodeJoinLister, NodeJoinInformer>;

class ClientCsrApi final : public CsrApi {
 public:
  explicit ClientCsrApi(kube::Client& client) : client_(client) {}
  StatusOr<kube::CertificateSigningRequest> Get(const std::string& name) override {
    return client_.Get<kube::CertificateSigningRequest>("", name);
  }
  StatusOr<kube::CertificateSigningRequest> UpdateApproval(
      const kube::CertificateSigningRequest& csr) override {
    return client_.UpdateApproval(csr);
  }
  StatusOr<bool> NodeExists(const std::string& name) override {
    auto n = client_.Get<kube::Node>("", name);
    if (n.ok()) return true;
    if (kube::IsNotFound(n.status())) return false;
    return n.status();
  }

 private:
  kube::Client& client_;
};

class ClientNodeJoinApi final : public NodeJoinApi {
 public:
  explicit ClientNodeJoinApi(kube::Client& client) : client_(client) {}
  StatusOr<kube::NodeJoin> Get(const std::string& name) override {
    return client_.Get<kube::NodeJoin>("", name);
  }
  StatusOr<kube::NodeJoin> Create(const kube::NodeJoin& record) override { return client_.Create(record); }
  StatusOr<kube::NodeJoin> Update(const kube::NodeJoin& record) override { return client_.Update(record); }
  Status Delete(const std::string& name, const std::string& uid) override {
    kube::DeleteOptions o;
    o.precondition_uid = uid;
    return client_.Delete<kube::NodeJoin>("", name, o);
  }

 private:
  kube::Client& client_;
};

}  // namespace joinguard::controller
