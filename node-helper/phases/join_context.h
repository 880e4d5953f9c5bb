// State shared by the join phases: resolved settings, file locations under --root-dir, injected
// dependencies, the discovery result (computed once, lazily) and the files this run created
// (removed again if the run fails).
#pragma once

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
#include "node-helper/discovery/discovery.h"
#include "node-helper/phases/printer.h"

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

 private:
  mutable std::mutex mu_;  // a signal-handling thread may roll back while a phase runs
  std::vector<std::string> paths_;
};

struct JoinEnv {
  discovery::ClientFactory new_client;
  discovery::HttpsGetter https_get;
  const runtime::Clock* clock = nullptr;
  std::function<void(runtime::Duration)> wait;  // retry waits (tests: advance a fake clock)
  // Runs a shell command line; returns its exit code.
  std::function<StatusOr<int>(const std::string& command)> run_command;
  Printer* out = nullptr;
};

class JoinContext {
 public:
  JoinContext(config::JoinSettings settings, JoinEnv env);

  const config::JoinConfiguration& cfg() const { return settings_.cfg; }
  const config::JoinSettings& settings() const { return settings_; }
  const Paths& paths() const { return paths_; }
  const JoinEnv& env() const { return env_; }
  Printer& out() { return *env_.out; }
  bool dry_run() const { return settings_.cfg.dry_run; }
  CreatedFiles& created() { return created_; }

  // Runs discovery the first time it is needed; later calls return the same result.
  StatusOr<const discovery::Result*> Discovery();
  // A client authenticated as the TLS-bootstrap identity (bootstrap-kubelet.conf).
  StatusOr<std::unique_ptr<kube::Client>> BootstrapClient();

  // Set by kubelet-start; the runner restarts the kubelet after the last phase.
  bool kubelet_needs_restart = false;
  bool joined = false;  // tls-bootstrap stored a certificate in this run

 private:
  config::JoinSettings settings_;
  JoinEnv env_;
  Paths paths_;
  CreatedFiles created_;
  std::optional<discovery::Result> discovered_;
};

}  // namespace joinguard::node::phases
