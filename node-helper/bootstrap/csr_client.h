// Requesting the kubelet client certificate: create the CertificateSigningRequest with the
// bootstrap credentials and wait for it (client-go util/certificate/csr/csr.go and kubelet
// bootstrap.go).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/crypto/key.h"
#include "common/kube/client.h"
#include "common/runtime/clock.h"
#include "common/status/status.h"
#include "common/runtime/duration.h"

namespace joinguard::node::bootstrap {

inline constexpr std::string_view kKubeletClientSigner = "kubernetes.io/kube-apiserver-client-kubelet";

// Usages of the kubelet's non-rotation path (current code): ECDSA → digital signature, client
// auth; RSA keys additionally get key encipherment, appended last.
std::vector<std::string> KubeletClientUsages(const crypto::PrivateKey& key);

struct CsrRequest {
  std::string name;     // deterministic node-csr-<digest> (same key → same name)
  std::string csr_pem;  // PEM CERTIFICATE REQUEST
  std::vector<std::string> usages;
};

// Builds the CSR (O=system:nodes, CN=system:node:<node>) and its deterministic name.
StatusOr<CsrRequest> BuildNodeClientCsr(const crypto::PrivateKey& key, const std::string& node_name);

// Creates the CSR object. If one with the same name already exists (a retried join with the
// same pending key), it is reused when compatible: same subject, same signer, signed by our
// key, and any issued certificate not expired; otherwise `retrieved csr is not compatible: …`.
StatusOr<kube::CertificateSigningRequest> CreateCsr(kube::Client& client, const CsrRequest& request,
                                                    const crypto::PrivateKey& key,
                                                    std::chrono::system_clock::time_point now);

// The state of a CSR we are waiting for: nullopt = keep waiting, a value = the issued PEM
// chain; errors for Denied/Failed (with the approver's reason and message) or a changed UID.
StatusOr<std::optional<std::string>> EvaluateCsr(const kube::CertificateSigningRequest& csr,
                                                 const std::string& uid);

struct WaitOptions {
  runtime::Duration timeout = std::chrono::minutes(5);
  runtime::Duration retry_interval = std::chrono::seconds(1);  // client-go's list retry
  std::function<void(runtime::Duration)> wait;                 // between retries
};

// Waits until the certificate is issued, the CSR is denied/failed/deleted or changes UID, or
// the timeout passes (kDeadlineExceeded). `created` is the object CreateCsr returned: it is
// judged first (a reused CSR may already be decided), then watched (fieldSelector
// metadata.name=<name>) from its resourceVersion, so a decision made between the create and
// the watch is replayed by the server rather than missed, and the common path costs no LIST.
// When that watch cannot go on (410 Gone, an error, the stream ends) or `created` has no
// resourceVersion, it falls back to client-go's LIST+WATCH loop.
StatusOr<std::string> WaitForCertificate(kube::Client& client, const kube::CertificateSigningRequest& created,
                                         const runtime::Clock& clock, const WaitOptions& options);

}  // namespace joinguard::node::bootstrap
