#include "node-helper/discovery/file/file.h"

#include "common/files/atomic_file.h"
#include "common/kube/api_error.h"
#include "common/runtime/duration.h"

namespace joinguard::node::discovery::file {
namespace {

kube::KubeconfigUser* CurrentUser(kube::Kubeconfig& config) {
  const kube::KubeconfigContext* ctx = config.FindContext(config.current_context);
  if (ctx == nullptr) return nullptr;
  for (auto& u : config.users) {
    if (u.name == ctx->user) return &u.value;
  }
  return nullptr;
}

Status EmbedFile(std::string* path, std::string* data, std::string_view what) {
  if (path->empty() || !data->empty()) return OkStatus();
  auto content = files::ReadFile(*path);
  if (!content.ok()) {
    return InvalidArgumentError("couldn't read the " + std::string(what) + " file \"" + *path +
                                "\" referenced by the discovery kubeconfig: " + content.status().message());
  }
  *data = *content;
  path->clear();
  return OkStatus();
}

}  // namespace

bool HasCredentials(const kube::Kubeconfig& config) {
  const kube::KubeconfigContext* ctx = config.FindContext(config.current_context);
  if (ctx == nullptr) return false;
  const kube::KubeconfigUser* u = config.FindUser(ctx->user);
  if (u == nullptr) return false;
  if (!u->token.empty() || !u->token_file.empty()) return true;
  bool cert = !u->client_certificate.empty() || !u->client_certificate_data.empty();
  bool key = !u->client_key.empty() || !u->client_key_data.empty();
  return cert && key;
}

StatusOr<kube::Kubeconfig> RetrieveValidatedConfigInfo(const std::string& path, const Deps& deps,
                                                       const Options& options) {
  auto text = files::ReadFile(path);
  if (!text.ok())
    return InvalidArgumentError("couldn't read the discovery file \"" + path +
                                "\": " + text.status().message());
  // kubeadm does not rebase relative paths inside the file onto its directory (they are opened
  // relative to the working directory): parse with an empty base directory.
  auto config = kube::ParseKubeconfig(*text);
  if (!config.ok())
    return InvalidArgumentError("couldn't parse the discovery file \"" + path +
                                "\": " + config.status().message());
  return ValidateConfigInfo(*std::move(config), deps, options);
}

StatusOr<kube::Kubeconfig> ValidateConfigInfo(kube::Kubeconfig config, const Deps& deps,
                                              const Options& options) {
  if (config.clusters.empty()) {
    return InvalidArgumentError("the provided kubeconfig file must have at least one Cluster defined");
  }
  std::string cluster_name;
  auto selected = SelectCluster(config, &cluster_name);
  if (!selected.ok())
    return InvalidArgumentError("the provided kubeconfig file is malformed: " + selected.status().message());
  kube::KubeconfigCluster* cluster = nullptr;
  for (auto& c : config.clusters) {
    if (c.name == cluster_name) cluster = &c.value;
  }
  JG_RETURN_IF_ERROR(EmbedFile(&cluster->certificate_authority, &cluster->certificate_authority_data,
                               "certificate-authority"));
  if (cluster->server.empty())
    return InvalidArgumentError("the provided kubeconfig file is malformed: cluster has no server");

  // Credentials: embed client cert/key files so the file can become bootstrap-kubelet.conf.
  kube::RestConfig rest;
  rest.server = cluster->server;
  rest.ca_pem = cluster->certificate_authority_data;
  rest.insecure_skip_tls_verify = cluster->insecure_skip_tls_verify;
  rest.timeout = std::min(options.request_timeout, options.timeout);
  rest.max_retries = 0;
  rest.user_agent = kube::UserAgentFor("node");
  if (HasCredentials(config)) {
    kube::KubeconfigUser* user = CurrentUser(config);
    JG_RETURN_IF_ERROR(
        EmbedFile(&user->client_certificate, &user->client_certificate_data, "client-certificate"));
    JG_RETURN_IF_ERROR(EmbedFile(&user->client_key, &user->client_key_data, "client-key"));
    rest.bearer_token = user->token;
    rest.bearer_token_file = user->token_file;
    rest.client_cert_pem = user->client_certificate_data;
    rest.client_key_pem = user->client_key_data;
  }
  deps.out->Line("discovery", "Using the discovery kubeconfig to reach \"" + cluster->server + "\"");

  JG_ASSIGN_OR_RETURN(auto client, deps.new_client(rest));
  std::optional<kube::ConfigMap> cluster_info;
  Status polled = PollImmediate(deps, options.retry_interval, options.timeout, [&](Status* last) {
    auto cm = client->Get<kube::ConfigMap>("kube-public", "cluster-info");
    if (cm.ok()) {
      cluster_info = *std::move(cm);
      return true;
    }
    if (kube::IsForbidden(cm.status())) {
      // The admin closed anonymous access to cluster-info; the TLS connection is already
      // trusted through the file, so proceed without refreshing (kubeadm does the same).
      deps.out->Warning(
          "discovery",
          "Could not access the cluster-info ConfigMap for refreshing the cluster-info information, but "
          "the TLS cert is valid so proceeding...");
      return true;
    }
    *last = cm.status();
    return false;
  });
  if (!polled.ok()) {
    return Status(polled.code(), "Abort reading the cluster-info ConfigMap after timeout of " +
                                     runtime::FormatGoDuration(options.timeout) + ": " + polled.message());
  }
  if (!cluster_info) return config;
  auto kc_text = cluster_info->data.find("kubeconfig");
  if (kc_text == cluster_info->data.end()) return config;
  auto refreshed = kube::ParseKubeconfig(kc_text->second);
  if (!refreshed.ok()) return config;
  std::string refreshed_name;
  auto refreshed_cluster = SelectCluster(*refreshed, &refreshed_name);
  if (!refreshed_cluster.ok()) return config;
  if (refreshed_cluster->server != cluster->server) {
    deps.out->Warning("discovery", "the API Server URL in the kubeconfig file (" + cluster->server +
                                       ") differs from the one in the ConfigMap (" +
                                       refreshed_cluster->server + ")");
  }
  if (cluster->certificate_authority_data.empty() && !refreshed_cluster->certificate_authority_data.empty()) {
    cluster->certificate_authority_data = refreshed_cluster->certificate_authority_data;
  }
  return config;
}

}  // namespace joinguard::node::discovery::file
