#include "node-helper/phases/kubelet_start.h"

#include <sys/stat.h>
#include <unistd.h>

#include <map>

#include "common/files/atomic_file.h"
#include "common/kube/api_error.h"
#include "common/kube/kubeconfig.h"
#include "node-helper/controlplane/manifests.h"
#include "node-helper/output/reason.h"
#include "node-helper/phases/cri_socket.h"
#include "node-helper/phases/kubelet_config.h"
#include "node-helper/phases/patches.h"
#include "common/text/ascii.h"

namespace joinguard::node::phases {
namespace {

constexpr mode_t kSecretFileMode = 0600;
constexpr mode_t kPublicFileMode = 0644;

bool Exists(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0;
}

// kubeadm's fetchInitConfigurationFromJoinConfiguration (cmd/kubeadm/app/cmd/join.go): the
// cluster of the TLS bootstrap kubeconfig is renamed to ClusterConfiguration.clusterName and the
// current context points at it; the context keeps its name.
kube::Kubeconfig WithClusterName(kube::Kubeconfig kc, const std::string& cluster_name) {
  kube::KubeconfigContext* current = nullptr;
  for (auto& c : kc.contexts) {
    if (c.name == kc.current_context) current = &c.value;
  }
  if (current == nullptr) return kc;
  const kube::KubeconfigCluster* cluster = kc.FindCluster(current->cluster);
  if (cluster == nullptr) return kc;
  kube::KubeconfigCluster keep = *cluster;
  kc.clusters.clear();
  kc.clusters.push_back({cluster_name, std::move(keep)});
  current->cluster = cluster_name;
  return kc;
}

// kubeadm's dryrunutil.PrintDryRunFiles: "[dryrun] Would write file %q with content:" and the
// content with every line prefixed by a tab (apiclient.PrintBytesWithLinePrefix).
void PrintDryRunFile(Printer& out, const std::string& shown_path, const std::string& content) {
  std::string block = "[dryrun] Would write file \"" + shown_path + "\" with content:";
  size_t pos = 0;
  while (pos < content.size()) {
    size_t nl = content.find('\n', pos);
    if (nl == std::string::npos) nl = content.size();
    block += "\n\t" + content.substr(pos, nl - pos);
    pos = nl + 1;
  }
  out.Raw(block);
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
  JG_ASSIGN_OR_RETURN(const controlplane::ClusterConfiguration* cluster, ctx.ClusterConfig());
  const auto& paths = ctx.paths();
  Printer& out = ctx.out();
  const std::string bootstrap_yaml =
      kube::SerializeKubeconfig(WithClusterName(d->bootstrap, cluster->cluster_name));

  out.Line("kubelet-start",
           "Writing the TLS bootstrap kubeconfig to \"" + paths.bootstrap_kubelet_conf + "\"");
  JG_RETURN_IF_ERROR(ctx.WriteFile(paths.bootstrap_kubelet_conf, bootstrap_yaml, kSecretFileMode));
  if (!Exists(paths.ca_cert)) {
    // The CA bundle of the bootstrap kubeconfig, verbatim (kubeadm writes it only if absent).
    JG_RETURN_IF_ERROR(ctx.WriteFile(paths.ca_cert, d->ca_pem, kPublicFileMode));
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
        return WithJoinReason(AlreadyExistsError("a Node with name \"" + name +
                                                 "\" and status \"Ready\" already exists in the cluster. You "
                                                 "must delete the existing Node or change the name of this "
                                                 "new joining Node"),
                              JoinReason::kNodeNameTaken);
      }
    }
  }

  // The cluster-wide kubelet configuration, when the cluster publishes one, completed and
  // patched for this node.
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
  JG_ASSIGN_OR_RETURN(const std::vector<PatchFile>* read_patches, ctx.Patches());
  std::vector<PatchFile> patches = *read_patches;  // plus instance-config.yaml's, below
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  const std::string hostname = text::AsciiLower(host);
  std::string flags_env = BuildKubeadmFlagsEnv(ctx.cfg().node_registration, hostname);
  // The CRI socket in instance-config.yaml, for clusters whose kubeadm does so (cri_socket.h).
  JG_RETURN_IF_ERROR(RecordCriSocketInKubeletFiles(ctx, *cluster, &patches, &flags_env));

  std::string config_yaml;
  if (kubelet_config) {
    JG_ASSIGN_OR_RETURN(KubeletConfig kc, BuildKubeletConfig(*kubelet_config, *cluster, patches));
    for (const auto& line : kc.applied) out.Line("patches", line);
    ctx.kubelet_healthz_url = kc.healthz_url;
    config_yaml = kc.yaml;
    out.Line("kubelet-start", "Writing kubelet configuration to file \"" + paths.kubelet_config + "\"");
    JG_RETURN_IF_ERROR(ctx.WriteFile(paths.kubelet_config, config_yaml, kPublicFileMode));
  }
  out.Line("kubelet-start",
           "Writing kubelet environment file with flags to file \"" + paths.kubeadm_flags_env + "\"");
  JG_RETURN_IF_ERROR(ctx.WriteFile(paths.kubeadm_flags_env, flags_env, kPublicFileMode));
  ctx.kubelet_needs_restart = true;

  if (ctx.dry_run()) {
    // kubeadm's dryrunutil.PrintFilesIfDryRunning for a worker.
    JG_ASSIGN_OR_RETURN(std::string dir, ctx.DryRunDir());
    out.Line("dryrun", "Wrote certificates and kubeconfig files to the \"" + dir + "\" directory");
    out.Line("dryrun",
             "The certificates or kubeconfig files would not be printed due to their sensitive nature");
    out.Line("dryrun",
             "Please examine the \"" + dir + "\" directory for details about what would be written");
    if (kubelet_config) PrintDryRunFile(out, paths.kubelet_config, config_yaml);
    PrintDryRunFile(out, paths.kubeadm_flags_env, flags_env);
  }
  return OkStatus();
}

}  // namespace joinguard::node::phases
