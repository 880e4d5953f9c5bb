#include "common/kube/rest_config.h"

#include <cstdlib>

#include "common/files/atomic_file.h"
#include "common/net/host_port.h"
#include "common/text/ascii.h"

namespace joinguard::kube {
namespace {

StatusOr<std::string> ReadPem(const std::string& path, std::string_view what) {
  auto data = files::ReadFile(path, 4 << 20);
  if (!data.ok()) {
    return Status(data.status().code(),
                  "cannot read " + std::string(what) + " file " + path + ": " + data.status().message());
  }
  return data;
}

}  // namespace

TransportConfig TransportConfigFor(const RestConfig& config) {
  return TransportConfig{.server = config.server,
                         .ca_pem = config.ca_pem,
                         .client_cert_pem = config.client_cert_pem,
                         .client_key_pem = config.client_key_pem,
                         .insecure_skip_tls_verify = config.insecure_skip_tls_verify,
                         .timeout = config.timeout};
}

std::string UserAgentFor(std::string_view program) {
  return "joinguard-" + std::string(program) + "/" JOINGUARD_VERSION;
}

StatusOr<RestConfig> RestConfigFromKubeconfig(const Kubeconfig& config, std::string_view context) {
  JG_ASSIGN_OR_RETURN(ResolvedKubeconfig r, Resolve(config, context));
  RestConfig rc;
  rc.server = r.cluster.server;
  while (!rc.server.empty() && rc.server.back() == '/') rc.server.pop_back();
  if (rc.server.empty()) {
    return InvalidArgumentError("cluster of context \"" + r.context_name +
                                "\" has no server URL; set clusters[].cluster.server");
  }
  rc.insecure_skip_tls_verify = r.cluster.insecure_skip_tls_verify;
  if (!r.cluster.certificate_authority_data.empty()) {
    rc.ca_pem = r.cluster.certificate_authority_data;
  } else if (!r.cluster.certificate_authority.empty()) {
    JG_ASSIGN_OR_RETURN(rc.ca_pem, ReadPem(r.cluster.certificate_authority, "certificate-authority"));
  }
  if (rc.insecure_skip_tls_verify && !rc.ca_pem.empty()) {
    // client-go: "specifying a root certificates file with the insecure flag is not allowed".
    return InvalidArgumentError("context \"" + r.context_name +
                                "\": insecure-skip-tls-verify cannot be combined with a "
                                "certificate authority; remove one of them");
  }
  const KubeconfigUser& u = r.user;
  if (!u.client_certificate_data.empty()) {
    rc.client_cert_pem = u.client_certificate_data;
  } else if (!u.client_certificate.empty()) {
    JG_ASSIGN_OR_RETURN(rc.client_cert_pem, ReadPem(u.client_certificate, "client-certificate"));
  }
  if (!u.client_key_data.empty()) {
    rc.client_key_pem = u.client_key_data;
  } else if (!u.client_key.empty()) {
    JG_ASSIGN_OR_RETURN(rc.client_key_pem, ReadPem(u.client_key, "client-key"));
  }
  if (rc.client_cert_pem.empty() != rc.client_key_pem.empty()) {
    return InvalidArgumentError("user of context \"" + r.context_name +
                                "\" has a client certificate without a key (or a key without a "
                                "certificate); set both");
  }
  rc.bearer_token = u.token;
  rc.bearer_token_file = u.token.empty() ? u.token_file : "";
  rc.username = u.username;
  rc.password = u.password;
  rc.namespace_ = r.namespace_;
  return rc;
}

StatusOr<RestConfig> RestConfigFromKubeconfigFile(const std::string& path, std::string_view context) {
  JG_ASSIGN_OR_RETURN(Kubeconfig k, LoadKubeconfigFile(path));
  auto rc = RestConfigFromKubeconfig(k, context);
  if (!rc.ok()) return rc.status().Annotate("kubeconfig " + path);
  return rc;
}

StatusOr<RestConfig> InClusterRestConfig(const InClusterOptions& options) {
  auto getenv = options.getenv ? options.getenv : [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
  auto host = getenv("KUBERNETES_SERVICE_HOST");
  auto port = getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !port || host->empty() || port->empty()) {
    return FailedPreconditionError(
        "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be "
        "set (or pass --kubeconfig)");
  }
  RestConfig rc;
  rc.server = net::HttpsUrl(*host, *port);
  const std::string token_path = options.sa_dir + "/token";
  auto token = files::ReadFile(token_path, 1 << 20);
  if (!token.ok()) {
    return Status(token.status().code(),
                  "cannot read the service-account token " + token_path + ": " + token.status().message());
  }
  rc.bearer_token_file = token_path;  // re-read when it rotates
  JG_ASSIGN_OR_RETURN(rc.ca_pem, ReadPem(options.sa_dir + "/ca.crt", "service-account CA"));
  if (auto ns = getenv("POD_NAMESPACE"); ns && !ns->empty()) {
    rc.namespace_ = *ns;
  } else if (auto nsf = files::ReadFile(options.sa_dir + "/namespace", 4096); nsf.ok()) {
    // client-go inClusterClientConfig.Namespace(): strings.TrimSpace of the file.
    std::string n(text::TrimAscii(*nsf));
    rc.namespace_ = n.empty() ? "default" : n;
  } else {
    rc.namespace_ = "default";
  }
  return rc;
}

RestConfig AnonymousInsecure(std::string server) {
  RestConfig rc;
  rc.server = std::move(server);
  while (!rc.server.empty() && rc.server.back() == '/') rc.server.pop_back();
  rc.insecure_skip_tls_verify = true;
  return rc;
}

}  // namespace joinguard::kube
