// The cluster interfaces (cluster.h) implemented over common/kube informers and client.
#pragma once

#include "common/kube/api_error.h"
#include "common/kube/client.h"
#include "common/kube/informer.h"
#include "controller/cluster.h"

namespace joinguard::controller {

class InformerCsrLister final : public CsrLister {
 public:
  explicit InformerCsrLister(const kube::Informer<kube::CertificateSigningRequest>& informer) : informer_(informer) {}
  bool HasSynced() const override { return informer_.HasSynced(); }
  std::optional<kube::CertificateSigningRequest> Get(const std::string& name) const override {
    return informer_.Get(name);
  }
  std::vector<kube::CertificateSigningRequest> List() const override { return informer_.List(); }

 private:
  const kube::Informer<kube::CertificateSigningRequest>& informer_;
};

class InformerNodeLister final : public NodeLister {
 public:
  explicit InformerNodeLister(kube::RawInformer& informer) : informer_(informer) {}
  bool HasSynced() const override { return informer_.HasSynced(); }
  bool Exists(const std::string& name) const override { return informer_.Get(name).has_value(); }

 private:
  kube::RawInformer& informer_;
};

class ClientCsrApi final : public CsrApi {
 public:
  explicit ClientCsrApi(kube::Client& client) : client_(client) {}
  StatusOr<kube::CertificateSigningRequest> Get(const std::string& name) override {
    return client_.Get<kube::CertificateSigningRequest>("", name);
  }
  StatusOr<kube::CertificateSigningRequest> UpdateApproval(const kube::CertificateSigningRequest& csr) override {
    return client_.UpdateApproval(csr);
  }
  StatusOr<bool> NodeExists(const std::string& name) override {
    auto n = client_.GetRaw(kube::resources::kNodes, "", name);
    if (n.ok()) return true;
    if (kube::IsNotFound(n.status())) return false;
    return n.status();
  }

 private:
  kube::Client& client_;
};

}  // namespace joinguard::controller
