#include "node-helper/discovery/file/file.h"

#include "common/files/atomic_file.h"
#include "common/kube/api_error.h"
#include "common/runtime/duration.h"
#include "node-helper/discovery/file/exec_credential.h"

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
  // kubeadm's HasAuthenticationCredentials (cmd/kubeadm/app/util/kubeconfig/kubeconfig.go): a
  // token, basic authentication, or a client certificate with its key. A tokenFile, an exec
  // plugin or an auth provider are not credentials the file can carry to the kubelet.
  if (!u->token.empty()) return true;
  if (!u->username.empty() && !u->password.empty()) return true;
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
  // clientcmd.Validate: of the whole file, the exec blocks (what this file reader adds to the
  // checks kube::ParseKubeconfig already makes).
  if (auto errs = ValidateExecConfigs(config); !errs.empty()) {
    std::string joined;
    for (size_t i = 0; i < errs.size(); ++i) joined += (i ? ", " : "") + errs[i];
    return InvalidArgumentError("invalid configuration: " + (errs.size() == 1 ? joined : "[" + joined + "]"));
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
  // The cluster-info request goes out as client-go would send it for the file's current user
  // (kubeadm's ToClientSet): its token, tokenFile, basic auth or client certificate, else its
  // exec plugin; an auth provider fails client creation, as in a kubeadm binary that registers
  // no auth-provider plugin (client-go rest/plugin.go).
  std::optional<kube::KubeconfigUser::Exec> exec;
  if (kube::KubeconfigUser* user = CurrentUser(config); user != nullptr) {
    if (user->auth_provider_name) {
      return InvalidArgumentError("failed to create API client: no Auth Provider found for name \"" +
                                  *user->auth_provider_name + "\"");
    }
    if (HasCredentials(config)) {
      JG_RETURN_IF_ERROR(
          EmbedFile(&user->client_certificate, &user->client_certificate_data, "client-certificate"));
      JG_RETURN_IF_ERROR(EmbedFile(&user->client_key, &user->client_key_data, "client-key"));
    }
    rest.bearer_token = user->token;
    rest.bearer_token_file = user->token.empty() ? user->token_file : "";
    rest.username = user->username;
    rest.password = user->password;
    const bool cert_and_key = !user->client_certificate_data.empty() && !user->client_key_data.empty();
    if (cert_and_key) {
      rest.client_cert_pem = user->client_certificate_data;
      rest.client_key_pem = user->client_key_data;
    }
    // client-go runs the plugin only when no other credential is set (exec.go UpdateTransportConfig).
    const bool static_auth = !user->token.empty() || !user->token_file.empty() || !user->username.empty() ||
                             !user->password.empty() || cert_and_key;
    if (user->exec && !static_auth) {
      if (user->exec->api_version != kExecApiV1 && user->exec->api_version != kExecApiV1beta1) {
        return InvalidArgumentError("failed to create API client: exec plugin: invalid apiVersion \"" +
                                    user->exec->api_version + "\"");
      }
      exec = user->exec;
    }
  }
  deps.out->Line("discovery", "Using the discovery kubeconfig to reach \"" + cluster->server + "\"");

  std::unique_ptr<kube::Client> client;
  if (!exec) {
    JG_ASSIGN_OR_RETURN(client, deps.new_client(rest));
  }
  std::optional<kube::ConfigMap> cluster_info;
  Status polled = PollImmediate(deps, options.retry_interval, options.timeout, [&](Status* last) {
    if (exec) {
      // A fresh credential per attempt, as client-go refreshes an expired one.
      auto cred = RunExecPlugin(*exec, *cluster, rest.timeout);
      if (!cred.ok()) {
        *last = cred.status();
        return false;
      }
      kube::RestConfig with_cred = rest;
      with_cred.bearer_token = cred->token;
      with_cred.client_cert_pem = cred->client_certificate_pem;
      with_cred.client_key_pem = cred->client_key_pem;
      auto c = deps.new_client(with_cred);
      if (!c.ok()) {
        *last = c.status();
        return false;
      }
      client = *std::move(c);
    }
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
