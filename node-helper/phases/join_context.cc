#include "node-helper/phases/join_context.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "common/kube/rest_config.h"

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
  return p;
}

void CreatedFiles::Track(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  struct stat st{};
  if (lstat(path.c_str(), &st) == 0) return;
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
    if (unlink(it->c_str()) == 0) removed.push_back(*it);
  }
  std::erase_if(paths_, [&](const std::string& p) { return p != keep; });
  return removed;
}

std::vector<std::string> CreatedFiles::paths() const {
  std::lock_guard<std::mutex> l(mu_);
  return paths_;
}

JoinContext::JoinContext(config::JoinSettings settings, JoinEnv env)
    : settings_(std::move(settings)), env_(std::move(env)),
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

}  // namespace joinguard::node::phases
