#include "node-helper/phases/tls_bootstrap.h"

#include <sys/stat.h>
#include <unistd.h>

#include "common/crypto/key.h"
#include "common/files/atomic_file.h"
#include "common/kube/kubeconfig.h"
#include "node-helper/bootstrap/cert_store.h"
#include "node-helper/bootstrap/csr_client.h"
#include "node-helper/bootstrap/kubelet_kubeconfig.h"
#include "node-helper/output/reason.h"

namespace joinguard::node::phases {
namespace {

constexpr const char* kPhase = "kubelet-start";  // kubeadm prints the TLS bootstrap under this

// kubelet's pending-key cache: reuse <pki>/kubelet-client.key.tmp from an interrupted run (same
// key → same node-csr- name → the CSR an admin may already have approved), else a new P-256 key.
StatusOr<crypto::PrivateKey> LoadOrGenerateKey(JoinContext& ctx, bool* reused) {
  const std::string& path = ctx.paths().pending_key;
  auto pem = files::ReadFile(path);
  if (pem.ok()) {
    auto key = crypto::PrivateKey::FromPem(*pem);
    if (key.ok()) {
      *reused = true;
      // Not created by this run, but a failed join must not leave it behind either (a key whose
      // CSR was denied would otherwise be reused forever). A dry run changes nothing.
      if (!ctx.dry_run()) ctx.created().TrackExisting(path);
      return key;
    }
    ctx.out().Warning(kPhase, "ignoring unreadable pending key " + path + ": " + key.status().message());
  }
  *reused = false;
  JG_ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256));
  if (!ctx.dry_run()) {
    JG_ASSIGN_OR_RETURN(auto key_pem, key.ToPem());
    ctx.created().Track(path);
    Status s = files::WriteFileAtomic(path, key_pem, 0600);
    if (!s.ok()) return s.Annotate("couldn't write the pending private key");
  }
  return key;
}

}  // namespace

Status RunTlsBootstrapPhase(JoinContext& ctx) {
  const auto& paths = ctx.paths();
  Printer& out = ctx.out();
  const auto now = ctx.env().clock->Now();
  if (!ctx.settings().force) {
    Status valid = bootstrap::CheckKubeletKubeconfig(paths.kubelet_conf, now);
    if (valid.ok()) {
      out.Line(kPhase,
               paths.kubelet_conf +
                   " holds a valid client certificate; skipping the TLS bootstrap (use --force to redo it)");
      return OkStatus();
    }
  }
  JG_ASSIGN_OR_RETURN(const discovery::Result* d, ctx.Discovery());
  const std::string& node = ctx.cfg().node_registration.name;

  bootstrap::CertStore store(paths.pki_dir, "kubelet-client", *ctx.env().clock);
  if (!ctx.dry_run()) JG_RETURN_IF_ERROR(store.Recover());

  bool reused = false;
  JG_ASSIGN_OR_RETURN(auto key, LoadOrGenerateKey(ctx, &reused));
  JG_ASSIGN_OR_RETURN(auto request, bootstrap::BuildNodeClientCsr(key, node));
  if (reused)
    out.Line(kPhase, "Reusing the pending private key from an interrupted join (" + paths.pending_key + ")");

  if (ctx.dry_run()) {
    // kubeadm's dry run starts no kubelet, so no CSR is created ("[kubelet-wait] Would wait for the
    // kubelet to be bootstrapped"); joinguard-node creates none either.
    out.Line("dryrun",
             "Would create CertificateSigningRequest \"" + request.name + "\" for \"system:node:" + node +
                 "\" (signer kubernetes.io/kube-apiserver-client-kubelet) and wait for its approval");
    out.Line("dryrun", "Would write file \"" + store.CurrentPath() + "\" and \"" + paths.kubelet_conf + "\"");
    return OkStatus();
  }
  JG_ASSIGN_OR_RETURN(auto client, ctx.BootstrapClient());
  out.Line(kPhase, "Requesting the kubelet client certificate for \"system:node:" + node + "\"");
  JG_ASSIGN_OR_RETURN(auto csr, bootstrap::CreateCsr(*client, request, key, now));
  out.Line(kPhase,
           "Waiting for the certificate signing request \"" + request.name +
               "\" to be approved (an administrator can approve it with: kubectl certificate approve " +
               request.name + ")");
  bootstrap::WaitOptions wait;
  wait.timeout = ctx.cfg().timeouts.tls_bootstrap;
  wait.wait = ctx.env().wait;
  auto chain = bootstrap::WaitForCertificate(*client, csr, *ctx.env().clock, wait);
  if (!chain.ok()) {
    Status s = chain.status();
    if (s.code() == StatusCode::kDeadlineExceeded) {
      return WithJoinReason(
          Status(s.code(), s.message() + " within " + runtime::FormatGoDuration(wait.timeout) +
                               "; approve it with `kubectl certificate approve " + request.name +
                               "` or check the CSR approver, then run the join again"),
          JoinReason::kCsrTimeout);
    }
    return s;
  }
  out.Line(kPhase, "The certificate signing request \"" + request.name +
                       "\" was approved and the certificate issued");

  // Store exactly as the kubelet does, then point kubelet.conf at the "current" link.
  JG_ASSIGN_OR_RETURN(auto key_pem, key.ToPem());
  const std::string pair_path = store.PairPath(ctx.env().clock->Now());
  ctx.created().Track(pair_path);
  ctx.created().Track(store.CurrentPath());
  ctx.created().Track(store.UpdatedPath());
  JG_ASSIGN_OR_RETURN(auto stored, store.Update(*chain, key_pem));
  out.Line(kPhase,
           "Wrote the kubelet client certificate to \"" + stored + "\" (" + store.CurrentPath() + ")");

  kube::KubeletKubeconfigOptions kc;
  kc.server = d->server;
  kc.ca_pem = d->ca_pem;
  kc.client_cert_path = store.CurrentPath();
  ctx.created().Track(paths.kubelet_conf);
  Status written = kube::WriteKubeconfigFile(paths.kubelet_conf, kube::KubeletKubeconfig(kc));
  if (!written.ok()) return written.Annotate("couldn't write " + paths.kubelet_conf);
  out.Line(kPhase, "Wrote the kubelet kubeconfig to \"" + paths.kubelet_conf + "\"");

  // Done: the pending key is in the certificate file now; the bootstrap credentials go away.
  unlink(paths.pending_key.c_str());
  ctx.created().Forget(paths.pending_key);
  if (unlink(paths.bootstrap_kubelet_conf.c_str()) == 0) {
    out.Line(kPhase, "Removed the TLS bootstrap kubeconfig \"" + paths.bootstrap_kubelet_conf + "\"");
  }
  ctx.created().Forget(paths.bootstrap_kubelet_conf);
  ctx.joined = true;
  ctx.kubelet_needs_restart = true;
  return OkStatus();
}

}  // namespace joinguard::node::phases
