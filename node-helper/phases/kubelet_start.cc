#include "node-helper/phases/kubelet_start.h"

#include <sys/stat.h>
#include <unistd.h>

#include <map>

#include "common/files/atomic_file.h"
#include "common/kube/api_error.h"
#include "common/kube/kubeconfig.h"
#include "node-helper/controlplane/manifests.h"

namespace joinguard::node::phases {
namespace {

bool Exists(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0;
}

Status WriteTracked(JoinContext& ctx, const std::string& path, const std::string& content, mode_t mode) {
  ctx.created().Track(path);
  Status s = files::WriteFileAtomic(path, content, mode);
  if (!s.ok()) return s.Annotate("couldn't write " + path);
  return OkStatus();
}

}  // namespace

std::string BuildKubeadmFlagsEnv(const config::NodeRegistration& nr, const std::string& hostname) {
  std::map<std::string, std::string> args;
  args["container-runtime-endpoint"] = nr.cri_socket;
  if (!nr.name.empty() && nr.name != hostname) args["hostname-override"] = nr.name;
  if (nr.taints_set && !nr.taints.empty()) {
    std::string taints;
    for (const auto& t : nr.taints) {
      if (!taints.empty()) taints += ",";
      taints += t.key + (t.value.empty() ? "" : "=" + t.value) + ":" + t.effect;
    }
    args["register-with-taints"] = taints;
  }
  // kubeadm's ArgumentsToCommand: an extra argument replaces every default of its name, and
  // v1beta4's list form keeps duplicates (each is passed), sorted by name then value.
  std::vector<config::Arg> defaults;
  for (const auto& [k, v] : args) defaults.push_back({k, v});
  std::string line;
  for (const auto& flag : controlplane::BuildFlags(defaults, nr.kubelet_extra_args)) {
    line += (line.empty() ? "" : " ") + flag;
  }
  return "KUBELET_KUBEADM_ARGS=\"" + line + "\"\n";
}

Status RunKubeletStartPhase(JoinContext& ctx) {
  JG_ASSIGN_OR_RETURN(const discovery::Result* d, ctx.Discovery());
  const auto& paths = ctx.paths();
  Printer& out = ctx.out();
  const std::string bootstrap_yaml = kube::SerializeKubeconfig(d->bootstrap);

  if (ctx.dry_run()) {
    out.Line("dryrun",
             "Would write file \"" + paths.bootstrap_kubelet_conf + "\" (TLS bootstrap kubeconfig, 0600)");
    if (!Exists(paths.ca_cert))
      out.Line("dryrun", "Would write file \"" + paths.ca_cert + "\" (cluster CA, 0644)");
  } else {
    out.Line("kubelet-start",
             "Writing the TLS bootstrap kubeconfig to \"" + paths.bootstrap_kubelet_conf + "\"");
    JG_RETURN_IF_ERROR(WriteTracked(ctx, paths.bootstrap_kubelet_conf, bootstrap_yaml, 0600));
    if (!Exists(paths.ca_cert)) {
      // The CA bundle of the bootstrap kubeconfig, verbatim (kubeadm writes it only if absent).
      JG_RETURN_IF_ERROR(WriteTracked(ctx, paths.ca_cert, d->ca_pem, 0644));
    }
  }

  // A new Node must not take over the name of a Ready one.
  const std::string& name = ctx.cfg().node_registration.name;
  JG_ASSIGN_OR_RETURN(auto client, ctx.BootstrapClient());
  auto node = client->Get<kube::Node>("", name);
  if (!node.ok() && !kube::IsNotFound(node.status())) {
    return Status(node.status().code(), "cannot get Node \"" + name + "\": " + node.status().message())
        .WithReason(node.status().reason(), node.status().http_status());
  }
  if (node.ok()) {
    for (const auto& c : node->conditions) {
      if (c.type == "Ready" && c.status == "True") {
        return AlreadyExistsError(
            "a Node with name \"" + name +
            "\" and status \"Ready\" already exists in the cluster. You must delete the "
            "existing Node or change the name of this new joining Node");
      }
    }
  }

  // The cluster-wide kubelet configuration, when the cluster publishes one.
  auto kubelet_cm = client->Get<kube::ConfigMap>("kube-system", "kubelet-config");
  std::optional<std::string> kubelet_config;
  if (kubelet_cm.ok()) {
    auto it = kubelet_cm->data.find("kubelet");
    if (it != kubelet_cm->data.end()) kubelet_config = it->second;
  } else if (kube::IsNotFound(kubelet_cm.status()) || kube::IsForbidden(kubelet_cm.status())) {
    out.Warning("kubelet-start", "the cluster has no readable kube-system/kubelet-config ConfigMap (" +
                                     kubelet_cm.status().message() + "); " + paths.kubelet_config +
                                     " is not written");
  } else {
    return Status(kubelet_cm.status().code(),
                  "unable to fetch the kubelet-config ConfigMap: " + kubelet_cm.status().message());
  }
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  std::string hostname = host;
  for (auto& c : hostname) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string flags_env = BuildKubeadmFlagsEnv(ctx.cfg().node_registration, hostname);

  if (ctx.dry_run()) {
    if (kubelet_config)
      out.Line("dryrun", "Would write kubelet configuration to file \"" + paths.kubelet_config + "\"");
    out.Line("dryrun",
             "Would write kubelet environment file with flags to file \"" + paths.kubeadm_flags_env + "\"");
    return OkStatus();
  }
  if (kubelet_config) {
    out.Line("kubelet-start", "Writing kubelet configuration to file \"" + paths.kubelet_config + "\"");
    JG_RETURN_IF_ERROR(WriteTracked(ctx, paths.kubelet_config, *kubelet_config, 0644));
  }
  out.Line("kubelet-start",
           "Writing kubelet environment file with flags to file \"" + paths.kubeadm_flags_env + "\"");
  JG_RETURN_IF_ERROR(WriteTracked(ctx, paths.kubeadm_flags_env, flags_env, 0644));
  ctx.kubelet_needs_restart = true;
  return OkStatus();
}

}  // namespace joinguard::node::phases
