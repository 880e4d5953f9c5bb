#include "node-helper/phases/cri_socket.h"

#include <algorithm>

#include "common/kube/rest_config.h"
#include "node-helper/cri/record.h"

namespace joinguard::node::phases {
namespace {

constexpr mode_t kInstanceConfigMode = 0644;
constexpr auto kClientTimeout = std::chrono::seconds(10);

}  // namespace

Status RecordCriSocketInKubeletFiles(JoinContext& ctx, const controlplane::ClusterConfiguration& cluster,
                                     std::vector<PatchFile>* patches, std::string* flags_env) {
  if (cri::RecordKindFor(cluster.kubernetes_version) != cri::RecordKind::kInstanceConfig) return OkStatus();
  const auto& nr = ctx.cfg().node_registration;
  const std::string path = ctx.paths().kubelet_dir + "/" + std::string(cri::kInstanceConfigFile);
  ctx.out().Line("kubelet-start", "Writing kubelet configuration to file \"" + path + "\"");
  JG_RETURN_IF_ERROR(ctx.WriteFile(path, cri::InstanceConfigYaml(nr.cri_socket), kInstanceConfigMode));
  PatchFile instance;
  instance.path = path;
  instance.target = std::string(kKubeletConfigurationTarget);
  instance.type = PatchType::kStrategicMerge;
  instance.patch = {{"containerRuntimeEndpoint", nr.cri_socket}};
  patches->push_back(std::move(instance));
  const bool from_extra_args =
      std::any_of(nr.kubelet_extra_args.begin(), nr.kubelet_extra_args.end(),
                  [](const config::Arg& a) { return a.name == cri::kRuntimeEndpointFlag; });
  if (!from_extra_args) *flags_env = cri::WithoutRuntimeEndpointFlag(*flags_env, nr.cri_socket);
  return OkStatus();
}

Status AnnotateCriSocket(JoinContext& ctx) {
  if (!ctx.joined || ctx.dry_run()) return OkStatus();
  JG_ASSIGN_OR_RETURN(const controlplane::ClusterConfiguration* cluster, ctx.ClusterConfig());
  if (cri::RecordKindFor(cluster->kubernetes_version) != cri::RecordKind::kNodeAnnotation) return OkStatus();
  const std::string& name = ctx.cfg().node_registration.name;
  const std::string& socket = ctx.cfg().node_registration.cri_socket;
  if (ctx.settings().kubelet_restart_command.empty() || ctx.options().skip_kubelet_health_check) {
    ctx.out().Line("kubelet-start",
                   "No kubelet was started and checked by this run; once it has registered the "
                   "Node, record its CRI socket as kubeadm does: kubectl annotate node " +
                       name + " " + std::string(cri::kCriSocketAnnotation) + "=" + socket);
    return OkStatus();
  }
  auto rest = kube::RestConfigFromKubeconfigFile(ctx.paths().kubelet_conf);
  if (!rest.ok()) return rest.status().Annotate("cannot use " + ctx.paths().kubelet_conf);
  rest->timeout = kClientTimeout;
  rest->user_agent = kube::UserAgentFor("node");
  JG_ASSIGN_OR_RETURN(auto client, ctx.env().new_client(*rest));
  ctx.out().Line("patchnode",
                 "Uploading the CRI socket \"" + socket + "\" to Node \"" + name + "\" as an annotation");
  Status s = cri::AnnotateNode(*client, name, socket, ctx.cfg().timeouts.kubernetes_api_call,
                               {ctx.env().clock, ctx.env().wait});
  if (!s.ok()) {
    // kubeadm fails the join here; the node's credentials and files are in place and the
    // annotation only tells later kubeadm commands the socket, so joinguard-node warns instead.
    ctx.out().Warning("kubelet-start",
                      s.message() + "; record it by hand once the Node exists: kubectl annotate node " +
                          name + " " + std::string(cri::kCriSocketAnnotation) + "=" + socket);
  }
  return OkStatus();
}

}  // namespace joinguard::node::phases
