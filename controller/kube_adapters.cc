#include "controller/kube_adapters.h"

#include <algorithm>

#include "common/crypto/csr.h"
#include "controller/policy/csr_context.h"
#include "controller/policy/serving_checks.h"

namespace joinguard::controller {

std::string NodeAddressKey(std::string_view address) { return policy::CanonicalAddressKey(address); }

Status AddCsrIndexers(CsrInformer& informer) {
  JG_RETURN_IF_ERROR(informer.AddIndexer(kBootstrapByNodeName, [](const kube::CertificateSigningRequest& c) {
    std::vector<std::string> out;
    if (c.spec.signer_name != policy::kKubeletClientSigner) return out;
    if (policy::ClassifyFlow(c.spec.username, c.spec.groups) != policy::Flow::kBootstrap) return out;
    StatusOr<crypto::ParsedCsr> parsed = crypto::ParsedCsr::FromPem(c.spec.request);
    if (!parsed.ok()) return out;
    std::string node = policy::NodeNameFromCommonName(parsed->CommonName());
    if (!node.empty()) out.push_back(std::move(node));
    return out;
  }));
  return informer.AddIndexer(kPendingByRequester, [](const kube::CertificateSigningRequest& c) {
    std::vector<std::string> out;
    if (!IsDecided(c) && !c.spec.username.empty()) out.push_back(c.spec.username);
    return out;
  });
}

Status AddNodeIndexers(NodeInformer& informer) {
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
