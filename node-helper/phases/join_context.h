// State shared by the join phases: resolved settings, file locations under --root-dir, injected
// dependencies, the discovery result (computed once, lazily) and the files this run created
// (removed again if the run fails).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/kube/client.h"
#include "common/runtime/clock.h"
#include "common/status/status.h"
#include "node-helper/config/join_flags.h"
#include "node-helper/controlplane/cluster_config.h"
#include "node-helper/discovery/discovery.h"
#include "node-helper/output/printer.h"
#include "node-helper/phases/patches.h"
#include "node-helper/preflight/host.h"

namespace joinguard::node::phases {

// kubeadm's and the kubelet's fixed paths, prefixed with --root-dir.
struct Paths {
  static Paths ForRoot(const std::string& root_dir, const std::string& ca_cert_path);
  std::string root;                    // "" for "/"
  std::string kubernetes_dir;          // /etc/kubernetes
  std::string kubelet_conf;            // /etc/kubernetes/kubelet.conf
  std::string bootstrap_kubelet_conf;  // /etc/kubernetes/bootstrap-kubelet.conf
  std::string ca_cert;                 // caCertPath (/etc/kubernetes/pki/ca.crt)
  std::string kubelet_dir;             // /var/lib/kubelet
  std::string kubelet_config;          // /var/lib/kubelet/config.yaml
  std::string kubeadm_flags_env;       // /var/lib/kubelet/kubeadm-flags.env
  std::string pki_dir;                 // /var/lib/kubelet/pki
  std::string pending_key;             // /var/lib/kubelet/pki/kubelet-client.key.tmp
  std::string manifests_dir;           // /etc/kubernetes/manifests
  std::string admin_conf;              // /etc/kubernetes/admin.conf
  std::string Prefixed(const std::string& absolute) const { return root + absolute; }
};

// Paths created by this run, so a failed run can remove them (never files that existed before).
class CreatedFiles {
 public:
  // Call before creating `path`: remembered only if nothing exists there now.
  void Track(const std::string& path);
  // Remembers `path` even though it exists (a file this run took over).
  void TrackExisting(const std::string& path);
  void Forget(const std::string& path);
  // Removes every tracked path that still exists, newest first. Returns what was removed.
  std::vector<std::string> RemoveAll();
  // The same, but `keep` stays (and stays tracked): an interrupted join keeps its pending key
  // so a rerun reuses it.
  std::vector<std::string> RemoveAllExcept(const std::string& keep);
  std::vector<std::string> paths() const;
  // Creates `dir` and its missing parents with `mode`, tracking each one it creates (removed on
  // rollback when empty).
  Status MakeDirs(const std::string& dir, mode_t mode);
  // Registers an undo step that is not a file (an etcd member this run added). Undo steps run,
  // newest first, before tracked files are removed; their failures are returned as messages.
  void OnRollback(std::string what, std::function<Status()> undo);
  void DropRollback(const std::string& what);
  std::vector<std::string> RunRollbacks();

 private:
  mutable std::mutex mu_;  // a signal-handling thread may roll back while a phase runs
  std::vector<std::string> paths_;
  std::vector<std::pair<std::string, std::function<Status()>>> undo_;  // guarded by mu_ (moved out to run)
};

// GET of a health endpoint (http:// or https://, TLS not verified, as kubeadm's health checks);
// returns the HTTP status code.
using HealthProbe = std::function<StatusOr<int>(const std::string& url)>;

// The production probe (common/kube's HTTP transport, `request_timeout` per request).
HealthProbe NewHealthProbe(std::chrono::milliseconds request_timeout);

// joinguard-node's run options that are not part of kubeadm's JoinConfiguration.
struct JoinOptions {
  bool skip_kubelet_health_check = false;  // --skip-kubelet-health-check
  // --dry-run: where the files go. Empty: KUBEADM_JOIN_DRYRUN_DIR if set, else a new directory
  // joinguard-join-dryrun* under $TMPDIR (or /tmp), made on first use.
  std::string dry_run_dir;
};

struct JoinEnv {
  discovery::ClientFactory new_client;
  discovery::HttpsGetter https_get;
  const runtime::Clock* clock = nullptr;
  std::function<void(runtime::Duration)> wait;  // retry waits (tests: advance a fake clock)
  // Runs a shell command line; returns its exit code.
  std::function<StatusOr<int>(const std::string& command)> run_command;
  // The machine the preflight checks read (tests: a fake); unset = preflight::NewHost(--root-dir).
  std::function<std::shared_ptr<const preflight::Host>(const std::string& root)> new_host;
  HealthProbe probe;  // kubelet /healthz and wait-control-plane
  Printer* out = nullptr;
};

class JoinContext {
 public:
  JoinContext(config::JoinSettings settings, JoinEnv env, JoinOptions options = {});

  const config::JoinConfiguration& cfg() const { return settings_.cfg; }
  const config::JoinSettings& settings() const { return settings_; }
  const Paths& paths() const { return paths_; }
  const JoinEnv& env() const { return env_; }
  Printer& out() { return *env_.out; }
  bool dry_run() const { return settings_.cfg.dry_run; }
  const JoinOptions& options() const { return options_; }

  // Where a file that belongs at `path` (a paths() path) is written: `path` itself, or with
  // --dry-run the same relative path under the dry-run directory (kubeadm writes a dry run's
  // files into a temporary directory and prints them). Reads and checks keep using paths().
  StatusOr<std::string> WritePath(const std::string& path);
  // The dry-run directory (created on first use). kInternal when it cannot be made.
  StatusOr<std::string> DryRunDir();
  // Writes `content` to WritePath(path) atomically with `mode`; tracked for rollback unless
  // dry-running. The error names the path.
  Status WriteFile(const std::string& path, const std::string& content, mode_t mode);
  CreatedFiles& created() { return created_; }

  // Runs discovery the first time it is needed; later calls return the same result.
  StatusOr<const discovery::Result*> Discovery();
  // A client authenticated as the TLS-bootstrap identity (bootstrap-kubelet.conf).
  StatusOr<std::unique_ptr<kube::Client>> BootstrapClient();

  // The cluster's ClusterConfiguration (kube-system/kubeadm-config), fetched once with the
  // bootstrap client (or admin.conf when it exists, as kubeadm does for a control-plane join).
  StatusOr<const controlplane::ClusterConfiguration*> ClusterConfig();
  // A client authenticated by /etc/kubernetes/admin.conf (written by control-plane-prepare).
  StatusOr<std::unique_ptr<kube::Client>> AdminClient();
  bool control_plane() const { return settings_.cfg.control_plane.has_value(); }
  // The --patches directory (patches.directory), read once for every target kubeadm knows:
  // "[patches] Reading patches from path" and each ignored file are printed the first time.
  // Empty without a directory. Error: an unreadable directory or file (reason PatchInvalid).
  StatusOr<const std::vector<PatchFile>*> Patches();
  // certificatesDir on this host (with --root-dir).
  std::string PkiDir();

  // Runs --kubelet-restart-command once if kubelet-start asked for it (a failed command only
  // warns, as the node's files are in place), then waits for the kubelet's /healthz as kubeadm's
  // kubelet-check does, unless --skip-kubelet-health-check or no command was given. The runner
  // calls it after the last phase; etcd-join calls it earlier, because the kubelet must run the
  // etcd static Pod before the learner can be promoted. Error: the health wait timed out
  // (reason KubeletUnhealthy).
  Status RestartKubeletNow();

  // Set by kubelet-start; the runner restarts the kubelet after the last phase.
  bool kubelet_needs_restart = false;
  bool joined = false;  // tls-bootstrap stored a certificate in this run
  // The kubelet's health endpoint from the configuration kubelet-start wrote (healthzBindAddress,
  // healthzPort after patches); kubeadm's default until then.
  std::string kubelet_healthz_url = "http://127.0.0.1:10248/healthz";

 private:
  config::JoinSettings settings_;
  JoinEnv env_;
  JoinOptions options_;
  Paths paths_;
  CreatedFiles created_;
  std::optional<discovery::Result> discovered_;
  std::optional<controlplane::ClusterConfiguration> cluster_config_;
  std::optional<std::vector<PatchFile>> patches_;
};

}  // namespace joinguard::node::phases
