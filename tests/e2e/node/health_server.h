// A stand-in for a component's health endpoint in end-to-end tests: the kubelet's plain-HTTP
// /healthz, or a control-plane component's HTTPS /livez or /healthz (kubeadm's checks do not
// verify the certificate). Answers "ok" with 200 and "unhealthy" otherwise; see
// tests/testing/local_http_server.h.
#pragma once

#include "tests/testing/local_http_server.h"

namespace joinguard::node::testing {

class HealthServer : public ::joinguard::testing::LocalHttpServer {
 public:
  explicit HealthServer(Scheme scheme, int status = 200)
      : LocalHttpServer(scheme, status, "text/plain",
                        [](int current) { return std::string(current == 200 ? "ok" : "unhealthy"); }) {}
};

}  // namespace joinguard::node::testing
