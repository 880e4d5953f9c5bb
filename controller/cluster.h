// Small interfaces between the reconciler and the cluster (controller-runtime's client split):
// reads come from the informer caches, writes go to the API. Mocks live in
// tests/unit/controller/mock_cluster.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/kube/objects.h"
#include "common/status/status.h"

namespace joinguard::controller {

// Read side: the CSR informer's store.
class CsrLister {
 public:
  virtual ~CsrLister() = default;
  virtual bool HasSynced() const = 0;
  virtual std::optional<kube::CertificateSigningRequest> Get(const std::string& name) const = 0;
  virtual std::vector<kube::CertificateSigningRequest> List() const = 0;
};

// Read side: the Node informer's store.
class NodeLister {
 public:
  virtual ~NodeLister() = default;
  virtual bool HasSynced() const = 0;
  virtual bool Exists(const std::string& name) const = 0;
};

// Write side: the live API.
class CsrApi {
 public:
  virtual ~CsrApi() = default;
  // Live read (not the cache), used after a conflict.
  virtual StatusOr<kube::CertificateSigningRequest> Get(const std::string& name) = 0;
  // PUT .../approval with the object's conditions and resourceVersion (stale → IsConflict).
  virtual StatusOr<kube::CertificateSigningRequest> UpdateApproval(const kube::CertificateSigningRequest& csr) = 0;
  // Live Node lookup. Existing-node protection must not be defeated by a lagging watch, so a
  // bootstrap CSR's "no such Node" from the cache is confirmed here before approving (CMA
  // reads Nodes uncached for the same reason).
  virtual StatusOr<bool> NodeExists(const std::string& name) = 0;
};

}  // namespace joinguard::controller
