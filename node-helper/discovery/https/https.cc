#include "node-helper/discovery/https/https.h"

#include "common/files/atomic_file.h"
#include "common/kube/http_transport.h"
#include "node-helper/discovery/file/file.h"

namespace joinguard::node::discovery::https {
namespace {

// Where Debian/Ubuntu (and most distributions via a symlink) keep the system bundle.
constexpr const char* kSystemBundles[] = {"/etc/ssl/certs/ca-certificates.crt",
                                          "/etc/pki/tls/certs/ca-bundle.crt"};

}  // namespace

StatusOr<kube::Kubeconfig> RetrieveValidatedConfigInfo(const std::string& url, const Deps& deps,
                                                       const Options& options) {
  deps.out->Line("discovery", "Downloading the discovery kubeconfig from \"" + url + "\"");
  auto body = deps.https_get(url);
  if (!body.ok())
    return Status(body.status().code(), "failed to download \"" + url + "\": " + body.status().message());
  // No HTTP status check (pitfall 8): whatever came back must parse as a kubeconfig.
  auto config = kube::ParseKubeconfig(*body);
  if (!config.ok()) {
    return InvalidArgumentError("couldn't parse the kubeconfig downloaded from \"" + url +
                                "\": " + config.status().message());
  }
  return file::ValidateConfigInfo(*std::move(config), deps, options);
}

HttpsGetter NewHttpsGetter(std::string extra_ca_pem, Duration timeout) {
  return [extra_ca_pem = std::move(extra_ca_pem), timeout](const std::string& url) -> StatusOr<std::string> {
    constexpr std::string_view kScheme = "https://";
    if (url.rfind(kScheme, 0) != 0) return InvalidArgumentError("not an https URL: " + url);
    size_t path_start = url.find('/', kScheme.size());
    kube::TransportConfig tc;
    tc.server = path_start == std::string::npos ? url : url.substr(0, path_start);
    std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
    tc.timeout = timeout;
    tc.follow_redirects = true;  // kubeadm's discovery/https/https.go fetches with Go's http.Client
    if (!extra_ca_pem.empty()) {
      // The transport trusts only ca_pem when it is set: give it the system bundle plus ours.
      std::string bundle;
      for (const char* p : kSystemBundles) {
        auto sys = files::ReadFile(p);
        if (sys.ok()) {
          bundle = *sys;
          break;
        }
      }
      if (!bundle.empty() && bundle.back() != '\n') bundle += '\n';
      tc.ca_pem = bundle + extra_ca_pem;
    }
    JG_ASSIGN_OR_RETURN(auto transport, kube::NewCpprestTransport(tc));
    kube::HttpRequest req;
    req.path_and_query = path;
    req.timeout = timeout;
    JG_ASSIGN_OR_RETURN(auto resp, transport->Do(req));
    return resp.body;
  };
}

}  // namespace joinguard::node::discovery::https
