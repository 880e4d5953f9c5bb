// preflight (control-plane part) and control-plane-prepare/{download-certs,certs,kubeconfig,
// control-plane}.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "common/files/atomic_file.h"
#include "common/kube/api_error.h"
#include "node-helper/controlplane/certs.h"
#include "node-helper/controlplane/download_certs.h"
#include "node-helper/controlplane/kubeconfigs.h"
#include "node-helper/controlplane/manifests.h"
#include "node-helper/output/reason.h"
#include "node-helper/phases/control_plane.h"
#include "node-helper/phases/patches.h"
#include "node-helper/phases/preflight.h"

namespace joinguard::node::phases {
namespace {

namespace cp = controlplane;

constexpr mode_t kDirMode = 0755;

bool Exists(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0;
}

// Tracks `path` (and creates its missing parent directories, tracked too) before a write.
std::function<void(const std::string&)> Tracker(JoinContext& ctx) {
  return [&ctx](const std::string& path) {
    (void)ctx.created().MakeDirs(std::filesystem::path(path).parent_path().string(), kDirMode);
    ctx.created().Track(path);
  };
}

StatusOr<cp::CertWriter> Writer(JoinContext& ctx) {
  JG_ASSIGN_OR_RETURN(const cp::ClusterConfiguration* cluster, ctx.ClusterConfig());
  cp::CertWriter w;
  w.pki_dir = ctx.PkiDir();
  JG_ASSIGN_OR_RETURN(w.key_type, cp::KeyTypeFor(cluster->encryption_algorithm));
  w.validity = std::chrono::duration_cast<std::chrono::seconds>(cluster->certificate_validity);
  w.now = ctx.env().clock->Now();
  w.before_create = Tracker(ctx);
  w.progress = [&ctx](const std::string& line) { ctx.out().Line("certs", line); };
  return w;
}

}  // namespace

std::string ControlPlaneConditionsMessage(const std::string& error) {
  return "\nOne or more conditions for hosting a new control plane instance is not satisfied.\n\n" + error +
         "\n\nPlease ensure that:\n* The cluster has a stable controlPlaneEndpoint address.\n* The "
         "certificates "
         "that must be shared among control plane instances are provided.\n";
}

Status RunControlPlanePreflight(JoinContext& ctx) {
  if (!ctx.control_plane()) return OkStatus();
  ctx.out().Line(
      "preflight",
      "Reading configuration from the \"kubeadm-config\" ConfigMap in namespace \"kube-system\"...");
  JG_ASSIGN_OR_RETURN(const cp::ClusterConfiguration* cluster, ctx.ClusterConfig());
  std::vector<std::string> problems;
  if (cluster->control_plane_endpoint.empty()) {
    problems.push_back(
        "unable to add a new control plane instance a cluster that doesn't have a stable "
        "controlPlaneEndpoint address");
  }
  if (ctx.cfg().control_plane->certificate_key.empty()) {
    // SharedCertificateExists: without a key the shared CAs must already be on disk.
    const std::string pki = ctx.PkiDir();
    std::vector<std::string> need = {"ca.crt", "sa.key", "sa.pub", "front-proxy-ca.crt"};
    if (!cluster->external_etcd) need.push_back("etcd/ca.crt");
    for (const auto& f : need) {
      if (!Exists(pki + "/" + f))
        problems.push_back("failure loading " + f + ": open " + pki + "/" + f +
                           ": no such file or directory");
    }
  }
  if (!problems.empty()) {
    std::string joined = problems.size() == 1 ? problems[0] : "[";
    if (problems.size() > 1) {
      for (size_t i = 0; i < problems.size(); ++i) joined += (i ? ", " : "") + problems[i];
      joined += "]";
    }
    return FailedPreconditionError(ControlPlaneConditionsMessage(joined))
        .WithReason("ControlPlaneConditions");
  }
  ctx.out().Line("preflight", "Running pre-flight checks before initializing the new control plane instance");
  const auto& jcp = *ctx.cfg().control_plane;
  // kubeadm's RunJoinNodeChecks control-plane part (cmd/kubeadm/app/preflight/checks.go).
  const std::shared_ptr<const preflight::Host> host = PreflightHost(ctx);
  std::vector<PreflightCheck> checks;
  for (int port : {jcp.bind_port, cp::kSchedulerPort, cp::kControllerManagerPort}) {
    checks.push_back(preflight::PortOpen(host, port));
  }
  for (const char* component : {"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"}) {
    checks.push_back(
        preflight::FileAvailable(host, std::string(cp::kManifestsDir) + "/" + component + ".yaml"));
  }
  if (!cluster->external_etcd) {
    for (int port : {cp::kEtcdClientPort, cp::kEtcdPeerPort}) {
      checks.push_back(preflight::PortOpen(host, port));
    }
    checks.push_back(preflight::DirAvailable(host, cluster->local_etcd.data_dir));
  }
  return RunPreflightChecks(checks, ctx.settings().ignore_preflight_errors, ctx.out());
}

Status RunDownloadCertsPhase(JoinContext& ctx) {
  if (!ctx.control_plane()) return OkStatus();
  const std::string& key = ctx.cfg().control_plane->certificate_key;
  if (key.empty()) {
    ctx.out().Line("download-certs", "Skipping certs download");
    return OkStatus();
  }
  JG_ASSIGN_OR_RETURN(const cp::ClusterConfiguration* cluster, ctx.ClusterConfig());
  ctx.out().Line("download-certs",
                 "Downloading the certificates in Secret \"kubeadm-certs\" in the \"kube-system\" Namespace");
  JG_ASSIGN_OR_RETURN(auto client, ctx.BootstrapClient());
  auto secret = client->Get<kube::Secret>("kube-system", cp::kKubeadmCertsSecret);
  if (!secret.ok()) {
    if (kube::IsNotFound(secret.status())) {
      return NotFoundError("error downloading certs: error downloading the secret: " +
                           cp::KubeadmCertsNotFoundMessage())
          .WithReason("KubeadmCertsNotFound");
    }
    return Status(secret.status().code(),
                  "error downloading certs: error downloading the secret: " + secret.status().message());
  }
  auto files = cp::DecryptKubeadmCerts(*secret, key, *cluster);
  if (!files.ok()) {
    return Status(files.status().code(), "error downloading certs: " + files.status().message())
        .WithReason(files.status().reason());
  }
  ctx.out().Line("download-certs",
                 "Saving the certificates to the folder: \"" + cluster->certificates_dir + "\"");
  auto track = Tracker(ctx);
  for (const auto& f : *files) {
    const std::string path = ctx.paths().Prefixed(f.file.path);
    if (ctx.dry_run()) {
      ctx.out().Line("dryrun", "Would write file \"" + path + "\"");
      continue;
    }
    track(path);
    Status s = files::WriteFileAtomic(path, f.content, f.mode);
    if (!s.ok()) return s.Annotate("error downloading certs: failed to write " + path);
  }
  return OkStatus();
}

Status RunCertsPhase(JoinContext& ctx) {
  if (!ctx.control_plane()) return OkStatus();
  JG_ASSIGN_OR_RETURN(const cp::ClusterConfiguration* cluster, ctx.ClusterConfig());
  ctx.out().Line("certs", "Using certificateDir folder \"" + cluster->certificates_dir + "\"");
  std::vector<std::string> warnings;
  const auto& jcp = *ctx.cfg().control_plane;
  JG_ASSIGN_OR_RETURN(auto specs, cp::ControlPlaneLeafSpecs(*cluster, ctx.cfg().node_registration.name,
                                                            jcp.advertise_address, &warnings));
  for (const auto& w : warnings) ctx.out().Warning("certificates", w);
  JG_ASSIGN_OR_RETURN(auto writer, Writer(ctx));
  if (ctx.dry_run()) {
    for (const auto& s : specs)
      ctx.out().Line("dryrun", "Would generate \"" + s.base + "\" certificate and key");
    return OkStatus();
  }
  JG_RETURN_IF_ERROR(cp::WriteLeafCertificates(specs, writer));
  ctx.out().Line("certs", "Valid certificates and keys now exist in \"" + cluster->certificates_dir + "\"");
  return cp::EnsureServiceAccountKey(writer);
}

Status RunKubeconfigPhase(JoinContext& ctx) {
  if (!ctx.control_plane()) return OkStatus();
  JG_ASSIGN_OR_RETURN(const cp::ClusterConfiguration* cluster, ctx.ClusterConfig());
  ctx.out().Line("kubeconfig", "Generating kubeconfig files");
  ctx.out().Line("kubeconfig", "Using kubeconfig folder \"" + std::string(cp::kKubernetesDir) + "\"");
  JG_ASSIGN_OR_RETURN(auto writer, Writer(ctx));
  auto ca = cp::LoadCertAndKey(writer.pki_dir, "ca");
  if (!ca.ok()) return ca.status().Annotate("error generating kubeconfig files");
  const auto& jcp = *ctx.cfg().control_plane;
  for (const auto& spec : cp::ControlPlaneKubeconfigSpecs(*cluster, jcp.advertise_address, jcp.bind_port)) {
    const std::string path = ctx.paths().kubernetes_dir + "/" + spec.file;
    std::vector<std::string> warnings;
    auto kept = cp::CheckExistingKubeconfig(path, ca->cert.ToPem(), spec.server, &warnings);
    if (!kept.ok()) return kept.status().Annotate("error generating kubeconfig files");
    for (const auto& w : warnings) ctx.out().Warning("kubeconfig", w);
    if (*kept) {
      ctx.out().Line("kubeconfig", "Using existing kubeconfig file: \"" + path + "\"");
      continue;
    }
    if (ctx.dry_run()) {
      ctx.out().Line("dryrun", "Would write \"" + spec.file + "\" kubeconfig file");
      continue;
    }
    ctx.out().Line("kubeconfig", "Writing \"" + spec.file + "\" kubeconfig file");
    auto kc = cp::BuildKubeconfig(spec, cluster->cluster_name, *ca, writer);
    if (!kc.ok()) return kc.status().Annotate("error generating kubeconfig files");
    writer.before_create(path);
    JG_RETURN_IF_ERROR(kube::WriteKubeconfigFile(path, *kc));
  }
  return OkStatus();
}

StatusOr<std::string> RenderStaticPod(JoinContext& ctx, const cp::Manifest& m) {
  JG_ASSIGN_OR_RETURN(const std::vector<PatchFile>* patches, ctx.Patches());
  nlohmann::json pod = m.pod;
  for (const auto& p : *patches) {
    if (p.target != m.component) continue;
    JG_RETURN_IF_ERROR(ApplyPatch(p, &pod, PodMergeKeys()));
    ctx.out().Line("patches", AppliedPatchLine(p));
  }
  if (pod.value("kind", "") != "Pod" || !pod.contains("spec")) {
    return WithJoinReason(InvalidArgumentError("the --patches for \"" + m.component +
                                               "\" leave no Pod (kind Pod with a spec); fix the patch files"),
                          JoinReason::kPatchInvalid);
  }
  return cp::JsonToYaml(pod);
}

Status RunControlPlaneManifestsPhase(JoinContext& ctx) {
  if (!ctx.control_plane()) return OkStatus();
  JG_ASSIGN_OR_RETURN(const cp::ClusterConfiguration* cluster, ctx.ClusterConfig());
  ctx.out().Line("control-plane", "Using manifest folder \"" + std::string(cp::kManifestsDir) + "\"");
  cp::ManifestInputs in;
  in.cluster = cluster;
  in.node_name = ctx.cfg().node_registration.name;
  in.advertise_address = ctx.cfg().control_plane->advertise_address;
  in.bind_port = ctx.cfg().control_plane->bind_port;
  in.health_check_timeout = ctx.cfg().timeouts.control_plane_component_health_check;
  const std::string root = ctx.paths().root;
  in.host_dir_exists = [root](const std::string& dir) {
    std::error_code ec;
    return std::filesystem::is_directory(root + dir, ec);
  };
  if (!ctx.dry_run())
    JG_RETURN_IF_ERROR(ctx.created().MakeDirs(ctx.paths().manifests_dir, cp::kManifestsDirMode));
  for (const auto& m : cp::ControlPlaneManifests(in)) {
    const std::string path = ctx.paths().manifests_dir + "/" + m.component + ".yaml";
    ctx.out().Line("control-plane", "Creating static Pod manifest for \"" + m.component + "\"");
    JG_ASSIGN_OR_RETURN(std::string yaml, RenderStaticPod(ctx, m));
    if (ctx.dry_run()) {
      ctx.out().Line("dryrun", "Would write file \"" + path + "\"");
      continue;
    }
    ctx.created().Track(path);
    Status s = files::WriteFileAtomic(path, yaml, cp::kManifestMode);
    if (!s.ok()) return s.Annotate("failed to create static pod manifest file for \"" + m.component + "\"");
  }
  return OkStatus();
}

}  // namespace joinguard::node::phases
