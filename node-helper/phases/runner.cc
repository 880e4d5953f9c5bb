#include "node-helper/phases/runner.h"

#include <algorithm>

#include "node-helper/bootstrap/kubelet_kubeconfig.h"
#include "node-helper/phases/control_plane.h"
#include "node-helper/phases/cri_socket.h"
#include "node-helper/phases/kubelet_start.h"
#include "node-helper/phases/preflight.h"
#include "node-helper/phases/tls_bootstrap.h"

namespace joinguard::node::phases {
namespace {

Status RunDiscoveryPhase(JoinContext& ctx) {
  JG_ASSIGN_OR_RETURN(const discovery::Result* d, ctx.Discovery());
  ctx.out().Line("discovery",
                 "Discovered the cluster at \"" + d->server + "\" using " + d->method + " discovery");
  if (ctx.control_plane()) return OkStatus();  // its preflight already read kubeadm-config
  // kubeadm reads the cluster's configuration right after discovery, for every node type
  // (cmd/kubeadm/app/cmd/join.go fetchInitConfiguration, printed under its preflight phase).
  ctx.out().Line(
      "preflight",
      "Reading configuration from the \"kubeadm-config\" ConfigMap in namespace \"kube-system\"...");
  ctx.out().Line("preflight",
                 "Use 'kubeadm init phase upload-config --config your-config.yaml' to re-upload it.");
  return ctx.ClusterConfig().status();
}

}  // namespace

const std::vector<PhaseSpec>& JoinPhases() {
  static const auto* kPhases = new std::vector<PhaseSpec>{
      {"preflight", "Run join pre-flight checks", &RunPreflightPhase},
      {"discovery", "Discover the cluster and validate its identity (token, file or HTTPS discovery)",
       &RunDiscoveryPhase},
      {"control-plane-prepare", "Prepare the machine for serving a control plane", nullptr},
      {"control-plane-prepare/download-certs",
       "Download certificates shared among control-plane nodes from the kubeadm-certs Secret",
       &RunDownloadCertsPhase},
      {"control-plane-prepare/certs", "Generate the certificates for the new control plane components",
       &RunCertsPhase},
      {"control-plane-prepare/kubeconfig", "Generate the kubeconfig for the new control plane components",
       &RunKubeconfigPhase},
      {"control-plane-prepare/control-plane", "Generate the manifests for the new control plane components",
       &RunControlPlaneManifestsPhase},
      {"check-etcd", "Check that the etcd cluster is healthy", &RunCheckEtcdPhase, /*hidden=*/true},
      {"kubelet-start", "Write kubelet settings, certificates and (re)start the kubelet",
       &RunKubeletStartPhase},
      {"tls-bootstrap", "Request the kubelet client certificate and write kubelet.conf (TLS bootstrap)",
       &RunTlsBootstrapPhase},
      {"etcd-join", "Join etcd for control plane nodes", &RunEtcdJoinPhase},
      {"control-plane-join", "Join a machine as a control plane instance", nullptr},
      {"control-plane-join/mark-control-plane", "Mark a node as a control-plane", &RunMarkControlPlanePhase},
      {"wait-control-plane", "Wait for the control plane to start", &RunWaitControlPlanePhase},
  };
  return *kPhases;
}

Status ValidateSkipPhases(const std::set<std::string>& skip) {
  for (const auto& name : skip) {
    bool known = std::any_of(JoinPhases().begin(), JoinPhases().end(),
                             [&](const PhaseSpec& p) { return p.name == name; });
    if (!known) return InvalidArgumentError("invalid phase name: " + name).WithReason("ValidationError");
  }
  return OkStatus();
}

std::string PhasesHelp(std::string_view command_use) {
  // kubeadm's layout: top-level phases at column 0, sub-phases as "  /name", descriptions aligned.
  auto label = [](const PhaseSpec& p) {
    auto slash = p.name.find('/');
    return slash == std::string_view::npos ? std::string(p.name) : "  " + std::string(p.name.substr(slash));
  };
  size_t width = 0;
  for (const auto& p : JoinPhases()) {
    if (!p.hidden) width = std::max(width, label(p).size());
  }
  std::string out = "The \"" + std::string(command_use) + "\" command executes the following phases:\n```\n";
  for (const auto& p : JoinPhases()) {
    if (p.hidden) continue;
    std::string l = label(p);
    out += l + std::string(width - l.size() + 2, ' ') + std::string(p.description) + "\n";
  }
  return out + "```";
}

namespace {

// `name` is `selector` or one of its sub-phases.
bool Selected(std::string_view name, std::string_view selector) {
  return name == selector || (name.size() > selector.size() && name.substr(0, selector.size()) == selector &&
                              name[selector.size()] == '/');
}

bool Skipped(std::string_view name, const std::set<std::string>& skip) {
  return std::any_of(skip.begin(), skip.end(), [&](const std::string& s) { return Selected(name, s); });
}

}  // namespace

std::string_view KubeadmPhaseName(std::string_view phase) {
  if (phase == "discovery") return "preflight";
  if (phase == "tls-bootstrap") return "kubelet-start";
  return phase;
}

std::optional<PhaseFailure> RunJoin(JoinContext& ctx, std::string_view only) {
  const bool full = only.empty();
  if (full && !ctx.control_plane() && !ctx.settings().force &&
      ctx.settings().skip_phases.count("tls-bootstrap") == 0) {
    std::string cn;
    if (bootstrap::CheckKubeletKubeconfig(ctx.paths().kubelet_conf, ctx.env().clock->Now(), &cn).ok()) {
      ctx.out().Line("preflight",
                     ctx.paths().kubelet_conf + " already holds a valid client certificate (" + cn +
                         "): this node has already joined, nothing to do. Use --force to join again.");
      return std::nullopt;
    }
  }
  auto fail = [&ctx](std::string_view phase, const Status& s) {
    for (const auto& line : ctx.created().RunRollbacks()) ctx.out().RawErr("[reset] " + line);
    for (const auto& path : ctx.created().RemoveAll()) {
      ctx.out().RawErr("[reset] Removed \"" + path + "\" created by this failed run");
    }
    return PhaseFailure{std::string(phase), s};
  };
  for (const auto& phase : JoinPhases()) {
    if (phase.run == nullptr) continue;
    if (!full && !Selected(phase.name, only)) continue;
    if (full && Skipped(phase.name, ctx.settings().skip_phases)) continue;
    Status s = phase.run(ctx);
    if (!s.ok()) return fail(phase.name, s);
  }
  // Every phase succeeded: from here on nothing is rolled back, not even by an interrupt during
  // the kubelet health wait (the credentials are valid and their CSR approved).
  for (const auto& path : ctx.created().paths()) ctx.created().Forget(path);
  if (Status health = ctx.RestartKubeletNow(); !health.ok()) {
    // The node's credentials are valid and stay: removing them would strand an approved CSR.
    return PhaseFailure{"kubelet-start", health};
  }
  if (Status cri = AnnotateCriSocket(ctx); !cri.ok()) return PhaseFailure{"kubelet-start", cri};
  if (ctx.joined && ctx.control_plane()) {
    auto cluster = ctx.ClusterConfig();
    const bool external = cluster.ok() && (*cluster)->external_etcd.has_value();
    ctx.out().Raw(
        "\nThis node has joined the cluster and a new control plane instance was created:\n\n"
        "* Certificate signing request was sent to apiserver and approval was received.\n"
        "* The Kubelet was informed of the new secure connection details.\n"
        "* Control plane label and taint were applied to the new node.\n"
        "* The Kubernetes control plane instances scaled up.\n" +
        std::string(external ? "\n" : "* A new etcd member was added to the local/stacked etcd cluster.\n") +
        "\nTo start administering your cluster from this node, you need to run the following as a regular "
        "user:\n\n"
        "\tmkdir -p $HOME/.kube\n"
        "\tsudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config\n"
        "\tsudo chown $(id -u):$(id -g) $HOME/.kube/config\n\n"
        "Run 'kubectl get nodes' to see this node join the cluster.\n");
  } else if (ctx.joined) {
    ctx.out().Raw(
        "\nThis node has joined the cluster:\n"
        "* Certificate signing request was sent to apiserver and a response was received.\n"
        "* The Kubelet was informed of the new secure connection details.\n\n"
        "Run 'kubectl get nodes' on the control-plane to see this node join the cluster.\n");
  }
  return std::nullopt;
}

}  // namespace joinguard::node::phases
