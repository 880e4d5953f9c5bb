// The `tls-bootstrap` phase: what the kubelet would do with bootstrap-kubelet.conf, done here so
// the kubelet starts with its definitive identity (kubelet bootstrap.go
// LoadClientCert): pending key, CSR node-csr-<digest>, wait for approval, certificate store,
// kubelet.conf, then bootstrap-kubelet.conf is removed.
#pragma once

#include "node-helper/phases/join_context.h"

namespace joinguard::node::phases {

Status RunTlsBootstrapPhase(JoinContext& ctx);

}  // namespace joinguard::node::phases
