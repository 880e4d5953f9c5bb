#include "node-helper/phases/join_context.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include <cerrno>
#include <algorithm>
#include <filesystem>

#include "common/files/atomic_file.h"
#include "common/kube/kubeconfig.h"
#include "common/kube/http_transport.h"
#include "common/kube/rest_config.h"
#include "node-helper/phases/kubelet_health.h"

namespace joinguard::node::phases {

Paths Paths::ForRoot(const std::string& root_dir, const std::string& ca_cert_path) {
  Paths p;
  std::string root = root_dir;
  while (!root.empty() && root.back() == '/') root.pop_back();
  p.root = root;
  p.kubernetes_dir = root + "/etc/kubernetes";
  p.kubelet_conf = p.kubernetes_dir + "/kubelet.conf";
  p.bootstrap_kubelet_conf = p.kubernetes_dir + "/bootstrap-kubelet.conf";
  p.ca_cert = root + ca_cert_path;
  p.kubelet_dir = root + "/var/lib/kubelet";
  p.kubelet_config = p.kubelet_dir + "/config.yaml";
  p.kubeadm_flags_env = p.kubelet_dir + "/kubeadm-flags.env";
  p.pki_dir = p.kubelet_dir + "/pki";
  p.pending_key = p.pki_dir + "/kubelet-client.key.tmp";
  p.manifests_dir = p.kubernetes_dir + "/manifests";
  p.admin_conf = p.kubernetes_dir + "/admin.conf";
  return p;
}

void CreatedFiles::Track(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) return;
  // The writer creates missing parent directories: they are this run's too (outermost first,
  // so the newest-first removal empties them before removing them).
  std::vector<std::string> missing;
  for (std::filesystem::path p = std::filesystem::path(path).parent_path(); !p.empty() && p != p.root_path();
       p = p.parent_path()) {
    if (lstat(p.c_str(), &st) == 0) break;
    missing.push_back(p.string());
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (std::find(paths_.begin(), paths_.end(), *it) == paths_.end()) paths_.push_back(*it);
  }
  if (std::find(paths_.begin(), paths_.end(), path) == paths_.end()) paths_.push_back(path);
}

void CreatedFiles::TrackExisting(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  if (std::find(paths_.begin(), paths_.end(), path) == paths_.end()) paths_.push_back(path);
}

void CreatedFiles::Forget(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  paths_.erase(std::remove(paths_.begin(), paths_.end(), path), paths_.end());
}

std::vector<std::string> CreatedFiles::RemoveAll() { return RemoveAllExcept(""); }

std::vector<std::string> CreatedFiles::RemoveAllExcept(const std::string& keep) {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::string> removed;
  for (auto it = paths_.rbegin(); it != paths_.rend(); ++it) {
    if (*it == keep) continue;
    if (unlink(it->c_str()) == 0 || (errno == EISDIR && rmdir(it->c_str()) == 0)) removed.push_back(*it);
  }
  std::erase_if(paths_, [&](const std::string& p) { return p != keep; });
  return removed;
}

std::vector<std::string> CreatedFiles::paths() const {
  std::lock_guard<std::mutex> l(mu_);
  return paths_;
}

Status CreatedFiles::MakeDirs(const std::string& dir, mode_t mode) {
  std::vector<std::string> missing;
  for (std::filesystem::path p(dir); !p.empty() && p != p.root_path(); p = p.parent_path()) {
    struct stat st {};
    if (lstat(p.c_str(), &st) == 0) break;
    missing.push_back(p.string());
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    Track(*it);
    if (mkdir(it->c_str(), mode) != 0 && errno != EEXIST) {
      return InternalError("failed to create directory " + *it + ": " + std::strerror(errno));
    }
  }
  return OkStatus();
}

void CreatedFiles::OnRollback(std::string what, std::function<Status()> undo) {
  std::lock_guard<std::mutex> l(mu_);
  undo_.emplace_back(std::move(what), std::move(undo));
}

void CreatedFiles::DropRollback(const std::string& what) {
  std::lock_guard<std::mutex> l(mu_);
  std::erase_if(undo_, [&](const auto& u) { return u.first == what; });
}

std::vector<std::string> CreatedFiles::RunRollbacks() {
  std::vector<std::pair<std::string, std::function<Status()>>> undo;
  {
    std::lock_guard<std::mutex> l(mu_);
    undo.swap(undo_);
  }
  std::vector<std::string> messages;
  for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
    Status s = it->second();
    messages.push_back(s.ok() ? "Removed " + it->first + " added by this failed run"
                              : "Failed to remove " + it->first + ": " + s.message() + "; remove it by hand");
  }
  return messages;
}

JoinContext::JoinContext(config::JoinSettings settings, JoinEnv env, JoinOptions options)
    : settings_(std::move(settings)),
      env_(std::move(env)),
      options_(std::move(options)),
      paths_(Paths::ForRoot(settings_.root_dir, settings_.cfg.ca_cert_path)) {}

StatusOr<const discovery::Result*> JoinContext::Discovery() {
  if (discovered_) return &*discovered_;
  discovery::Deps deps;
  deps.new_client = env_.new_client;
  deps.https_get = env_.https_get;
  deps.clock = env_.clock;
  deps.wait = env_.wait;
  deps.out = env_.out;
  discovery::Options options;
  options.retry_interval = settings_.discovery_retry_interval;
  options.timeout = settings_.cfg.timeouts.discovery;
  JG_ASSIGN_OR_RETURN(auto result, discovery::Discover(settings_.cfg, deps, options));
  discovered_ = std::move(result);
  return &*discovered_;
}

StatusOr<std::unique_ptr<kube::Client>> JoinContext::BootstrapClient() {
  JG_ASSIGN_OR_RETURN(const discovery::Result* d, Discovery());
  auto rest = kube::RestConfigFromKubeconfig(d->bootstrap);
  if (!rest.ok()) return rest.status().Annotate("invalid TLS bootstrap kubeconfig");
  rest->timeout = std::chrono::seconds(10);
  rest->user_agent = kube::UserAgentFor("node");
  return env_.new_client(*rest);
}

StatusOr<const controlplane::ClusterConfiguration*> JoinContext::ClusterConfig() {
  if (cluster_config_) return &*cluster_config_;
  std::unique_ptr<kube::Client> client;
  struct stat st {};
  if (control_plane() && stat(paths_.admin_conf.c_str(), &st) == 0) {
    JG_ASSIGN_OR_RETURN(client, AdminClient());
  } else {
    JG_ASSIGN_OR_RETURN(client, BootstrapClient());
  }
  JG_ASSIGN_OR_RETURN(auto cluster, controlplane::FetchClusterConfiguration(*client));
  cluster_config_ = std::move(cluster);
  return &*cluster_config_;
}

StatusOr<const std::vector<PatchFile>*> JoinContext::Patches() {
  if (patches_) return &*patches_;
  const std::string& dir = settings_.cfg.patches_directory;
  std::vector<PatchFile> read;
  if (!dir.empty()) {
    out().Line("patches", "Reading patches from path \"" + dir + "\"");
    std::vector<std::string> ignored;
    JG_ASSIGN_OR_RETURN(read, ReadPatchDirectory(dir, KnownPatchTargets(), &ignored));
    for (const auto& f : ignored) {
      out().Line("patches",
                 "Ignored file \"" + f +
                     "\": not a \"target[suffix][+patchtype].{json,yaml}\" patch for a known target "
                     "(etcd, kube-apiserver, kube-controller-manager, kube-scheduler, "
                     "kubeletconfiguration)");
    }
  }
  patches_ = std::move(read);
  return &*patches_;
}

StatusOr<std::unique_ptr<kube::Client>> JoinContext::AdminClient() {
  auto rest = kube::RestConfigFromKubeconfigFile(paths_.admin_conf);
  if (!rest.ok()) return rest.status().Annotate("cannot use " + paths_.admin_conf);
  rest->timeout = std::chrono::seconds(10);
  rest->user_agent = kube::UserAgentFor("node");
  return env_.new_client(*rest);
}

Status JoinContext::RestartKubeletNow() {
  if (!kubelet_needs_restart) return OkStatus();
  kubelet_needs_restart = false;
  const std::string& command = settings_.kubelet_restart_command;
  if (dry_run()) {
    if (command.empty()) return OkStatus();
    out().Line("dryrun", "Would restart the kubelet with \"" + command + "\"");
    if (!options_.skip_kubelet_health_check) {
      out().Line("dryrun", "Would make sure the kubelet \"" + kubelet_healthz_url + "\" endpoint is healthy");
    }
    return OkStatus();
  }
  if (command.empty()) {
    out().Line("kubelet-start", "No --kubelet-restart-command given: start the kubelet yourself");
    return OkStatus();
  }
  out().Line("kubelet-start", "Restarting the kubelet: " + command);
  auto rc = env_.run_command(command);
  if (!rc.ok() || *rc != 0) {
    out().Warning("kubelet-start",
                  "the kubelet restart command \"" + command + "\" failed (" +
                      (rc.ok() ? "exit code " + std::to_string(*rc) : rc.status().message()) +
                      "); restart the kubelet yourself");
  }
  if (options_.skip_kubelet_health_check) {
    out().Line("kubelet-check", "Skipping the kubelet health check (--skip-kubelet-health-check)");
    return OkStatus();
  }
  return WaitForKubelet(*this, kubelet_healthz_url, settings_.cfg.timeouts.kubelet_health_check);
}

StatusOr<std::string> JoinContext::DryRunDir() {
  if (!options_.dry_run_dir.empty()) return options_.dry_run_dir;
  if (const char* env = std::getenv("KUBEADM_JOIN_DRYRUN_DIR"); env != nullptr && *env != '\0') {
    JG_RETURN_IF_ERROR(files::MakeDirs(env, 0700));
    options_.dry_run_dir = env;
    return options_.dry_run_dir;
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/joinguard-join-dryrunXXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    return InternalError("could not create a temporary directory on dryrun: " +
                         std::string(std::strerror(errno)));
  }
  options_.dry_run_dir = pattern;
  return options_.dry_run_dir;
}

StatusOr<std::string> JoinContext::WritePath(const std::string& path) {
  if (!dry_run()) return path;
  JG_ASSIGN_OR_RETURN(std::string dir, DryRunDir());
  const std::string relative = path.rfind(paths_.root, 0) == 0 ? path.substr(paths_.root.size()) : path;
  return dir + (relative.empty() || relative[0] != '/' ? "/" : "") + relative;
}

Status JoinContext::WriteFile(const std::string& path, const std::string& content, mode_t mode) {
  JG_ASSIGN_OR_RETURN(std::string target, WritePath(path));
  if (!dry_run()) created_.Track(target);  // the dry-run directory stays for the operator to examine
  Status s = files::WriteFileAtomic(target, content, mode);
  if (!s.ok()) return s.Annotate("couldn't write " + target);
  return OkStatus();
}

std::string JoinContext::PkiDir() {
  auto cluster = ClusterConfig();
  return paths_.Prefixed(cluster.ok() ? (*cluster)->certificates_dir : "/etc/kubernetes/pki");
}

}  // namespace joinguard::node::phases
