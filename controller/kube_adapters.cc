#include "controller/kube_adapters.h"

#include <algorithm>
#include <cstring>

#include "common/crypto/encoding.h"
#include "controller/policy/csr_context.h"
#include "controller/policy/serving_checks.h"

namespace joinguard::controller {

std::string NodeAddressKey(std::string_view address) { return policy::CanonicalAddressKey(address); }

policy::CsrObject CsrToPolicyObject(const kube::CertificateSigningRequest& csr) {
  policy::CsrObject o;
  o.name = csr.metadata.name;
  o.uid = csr.metadata.uid;
  o.resource_version = csr.metadata.resource_version;
  if (csr.metadata.creation_timestamp) o.creation_time = *csr.metadata.creation_timestamp;
  o.signer_name = csr.spec.signer_name;
  o.usages = csr.spec.usages;
  if (csr.spec.expiration_seconds) o.expiration_seconds = *csr.spec.expiration_seconds;
  o.username = csr.spec.username;
  o.requester_uid = csr.spec.uid;
  o.groups = csr.spec.groups;
  for (const auto& c : csr.status.conditions) o.conditions.push_back({c.type, c.status, c.reason, c.message});
  o.has_certificate = !csr.status.certificate.empty();
  return o;
}

std::shared_ptr<const CsrDerived> DeriveCsr(const kube::CertificateSigningRequest& csr,
                                            const StoredCsr* previous) {
  const bool client = csr.spec.signer_name == policy::kKubeletClientSigner;
  if (!client && csr.spec.signer_name != policy::kKubeletServingSigner) return nullptr;
  auto out = std::make_shared<CsrDerived>();
  out->bootstrap_client =
      client && policy::ClassifyFlow(csr.spec.username, csr.spec.groups) == policy::Flow::kBootstrap;
  const std::string digest = crypto::Sha256(csr.spec.request);
  std::memcpy(out->request_sha256.data(), digest.data(), out->request_sha256.size());
  // A parse depends only on the request bytes: the previous version's is reused when it is the
  // same object with the same bytes (the API server never changes a CSR's spec, but that is
  // checked here, not assumed). The bytes are compared by SHA-256: the stored previous
  // version may no longer hold them (TrimDecidedCsr).
  const CsrDerived* same = previous != nullptr && previous->object && previous->derived &&
                                   previous->object->metadata.uid == csr.metadata.uid &&
                                   previous->derived->request_sha256 == out->request_sha256
                               ? previous->derived.get()
                               : nullptr;
  const bool decided = IsDecided(csr);
  policy::ParsedRequest request = same != nullptr ? same->request : nullptr;
  if (same != nullptr && !request && decided) {
    out->cn_node_name = same->cn_node_name;  // decided before: only the name was kept
    return out;
  }
  if (!request) request = policy::ParseRequest(csr.spec.request);
  if (request->ok()) out->cn_node_name = policy::NodeNameFromCommonName((*request)->CommonName());
  if (!decided) out->request = std::move(request);
  return out;
}

void TrimDecidedCsr(kube::CertificateSigningRequest& csr, const CsrDerived* derived) {
  // Only CSRs DeriveCsr looked at: their digest stands in for the request bytes.
  if (derived == nullptr || !IsDecided(csr)) return;
  std::string().swap(csr.spec.request);
  std::vector<std::string>().swap(csr.spec.usages);
  std::string().swap(csr.spec.uid);
  kube::ExtraMap().swap(csr.spec.extra);
  for (kube::CertificateSigningRequestCondition& c : csr.status.conditions) std::string().swap(c.message);
}

void TrimCachedNode(kube::Node& node, const kube::NoDerived*) {
  kube::StringMap().swap(node.metadata.labels);
  kube::StringMap().swap(node.metadata.annotations);
  node.metadata.owner_references = kube::Json();
  node.metadata.finalizers = kube::Json();
  std::string().swap(node.provider_id);
  std::vector<kube::NodeCondition>().swap(node.conditions);
}

Status AddCsrIndexers(CsrInformer& informer) {
  informer.SetDeriveFunc([](const kube::CertificateSigningRequest& c, const CsrInformer::Item* previous) {
    if (previous == nullptr) return DeriveCsr(c, nullptr);
    StoredCsr stored{previous->obj, previous->derived};
    return DeriveCsr(c, &stored);
  });
  informer.SetTransformFunc(TrimDecidedCsr);
  JG_RETURN_IF_ERROR(informer.AddIndexer(
      kBootstrapByNodeName, [](const kube::CertificateSigningRequest&, const CsrDerived* d) {
        std::vector<std::string> out;
        if (d != nullptr && d->bootstrap_client && !d->cn_node_name.empty()) out.push_back(d->cn_node_name);
        return out;
      }));
  return informer.AddIndexer(kPendingByRequester, [](const kube::CertificateSigningRequest& c) {
    std::vector<std::string> out;
    if (!IsDecided(c) && !c.spec.username.empty()) out.push_back(c.spec.username);
    return out;
  });
}

Status AddNodeIndexers(NodeInformer& informer) {
  informer.SetTransformFunc(TrimCachedNode);
  return informer.AddIndexer(kNodesByAddress, [](const kube::Node& n) {
    std::vector<std::string> out;
    for (const kube::NodeAddress& a : n.addresses) {
      std::string key = NodeAddressKey(a.address);
      if (!key.empty() && std::find(out.begin(), out.end(), key) == out.end()) out.push_back(std::move(key));
    }
    return out;
  });
}

}  // namespace joinguard::controller
