#include "tests/sandbox/sandbox.h"

#include <pthread.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/crypto/encoding.h"
#include "common/files/atomic_file.h"
#include "common/runtime/clock.h"
#include "common/runtime/logger.h"
#include "tests/sandbox/logic/rbac.h"
#include "tests/sandbox/logic/util.h"
#include "tests/sandbox/server/api_server.h"
#include "tests/sandbox/server/controllers.h"
#include "tests/sandbox/server/https_server.h"
#include "tests/sandbox/server/pki.h"
#include "tests/sandbox/server/resources.h"
#include "tests/sandbox/server/store.h"

namespace joinguard::sandbox {

using nlohmann::json;

namespace {

constexpr const char* kKubeletConfigYaml =
    "apiVersion: kubelet.config.k8s.io/v1beta1\n"
    "authentication:\n"
    "  anonymous:\n"
    "    enabled: false\n"
    "  webhook:\n"
    "    enabled: true\n"
    "  x509:\n"
    "    clientCAFile: /etc/kubernetes/pki/ca.crt\n"
    "authorization:\n"
    "  mode: Webhook\n"
    "cgroupDriver: systemd\n"
    "clusterDNS:\n"
    "- 10.96.0.10\n"
    "clusterDomain: cluster.local\n"
    "kind: KubeletConfiguration\n"
    "rotateCertificates: true\n"
    "staticPodPath: /etc/kubernetes/manifests\n";

std::string ClusterConfigurationYaml(const std::string& minor) {
  return "apiServer: {}\n"
         "apiVersion: kubeadm.k8s.io/v1beta4\n"
         "caCertificateValidityPeriod: 87600h0m0s\n"
         "certificateValidityPeriod: 8760h0m0s\n"
         "certificatesDir: /etc/kubernetes/pki\n"
         "clusterName: kubernetes\n"
         "controllerManager: {}\n"
         "dns: {}\n"
         "encryptionAlgorithm: RSA-2048\n"
         "etcd:\n"
         "  local:\n"
         "    dataDir: /var/lib/etcd\n"
         "imageRepository: registry.k8s.io\n"
         "kind: ClusterConfiguration\n"
         "kubernetesVersion: v1." +
         minor +
         ".0\n"
         "networking:\n"
         "  dnsDomain: cluster.local\n"
         "  serviceSubnet: 10.96.0.0/12\n"
         "proxy: {}\n"
         "scheduler: {}\n";
}

constexpr std::chrono::milliseconds kMinFlushInterval{100};
constexpr int kFlushDutyDivisor = 10;

// Debounced atomic snapshots of the store into <state_dir>/state.json (0600: it holds Secrets).
class Persister {
 public:
  Persister(Store& store, std::string path) : store_(store), path_(std::move(path)) {
    store_.SetOnChange([this] {
      bool was_dirty;
      {
        std::lock_guard<std::mutex> lock(mu_);
        was_dirty = dirty_;
        dirty_ = true;
      }
      // Only the first change after a snapshot wakes the thread: later ones are in the same
      // debounced snapshot, and waking it for each would cost every write a context switch.
      if (!was_dirty) cv_.notify_all();
    });
    thread_ = std::thread([this] { Loop(); });
  }
  ~Persister() { Stop(); }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    store_.SetOnChange(nullptr);
    Flush().IgnoreError();  // final flush on shutdown
  }

  Status Flush() {
    std::lock_guard<std::mutex> wl(write_mu_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      dirty_ = false;
    }
    return files::WriteFileAtomic(path_, store_.Snapshot(), 0600);
  }

 private:
  void Loop() {
    pthread_setname_np(pthread_self(), "sandbox-persist");
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      cv_.wait(lock, [&] { return dirty_ || stopping_; });
      if (stopping_) break;
      // Debounce: gather a burst of writes into one snapshot. A snapshot is the whole store, so
      // with a big store the pause grows with the time one flush takes: persistence stays under
      // about 1/kFlushDutyDivisor of a core however many objects there are.
      cv_.wait_for(lock, std::max(kMinFlushInterval, last_flush_ * kFlushDutyDivisor),
                   [&] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      const auto start = std::chrono::steady_clock::now();
      Flush().IgnoreError();
      const auto took =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
      lock.lock();
      last_flush_ = took;
    }
  }

  Store& store_;
  const std::string path_;
  std::mutex write_mu_;  // serialises Flush()
  std::mutex mu_;        // guards dirty_, stopping_
  std::condition_variable cv_;
  bool dirty_ = false;
  bool stopping_ = false;
  std::chrono::milliseconds last_flush_{0};  // guarded by mu_
  std::thread thread_;
};

}  // namespace

class SandboxImpl {
 public:
  SandboxOptions options;
  std::unique_ptr<runtime::RealClock> own_clock;
  const runtime::Clock* clock = nullptr;
  ResourceRegistry registry;
  std::optional<ClusterCa> ca;
  std::unique_ptr<Store> store;
  std::unique_ptr<ApiServer> api;
  std::unique_ptr<HttpsServer> server;
  std::unique_ptr<Controllers> controllers;
  std::unique_ptr<Persister> persister;
  std::string admin_kubeconfig;
  bool restored = false;

  std::string Host() const {
    std::string a = options.bind_address;
    if (a.empty() || a == "0.0.0.0") return "127.0.0.1";
    if (a == "::") return "[::1]";
    if (a.find(':') != std::string::npos) return "[" + a + "]";
    return a;
  }
  std::string Url() const { return "https://" + Host() + ":" + std::to_string(server->port()); }

  Status Seed();
  Status EnsureObject(const std::string& collection, json obj);
  Status Stop() {
    if (controllers) controllers->Stop();
    if (store) store->CloseAllSubscriptions();
    if (server) server->Stop();
    if (persister) persister->Stop();
    return OkStatus();
  }
};

Status SandboxImpl::EnsureObject(const std::string& collection, json obj) {
  auto target = api->ResolvePath(collection);
  if (!target.type) return InternalError("sandbox: unknown collection " + collection);
  std::string ns = target.type->namespaced ? obj["metadata"].value("namespace", target.ns) : "";
  auto created = api->Create(*target.type, ns, std::move(obj), ApiServer::InternalAdmin());
  if (!created.ok() && created.status().code() != StatusCode::kAlreadyExists) {
    return created.status().Annotate("sandbox: seeding " + collection);
  }
  return OkStatus();
}

Status SandboxImpl::Seed() {
  const std::string cluster_info = ClusterInfoKubeconfigYaml(Url(), ca->cert_pem);
  if (restored) {
    // Same objects as before the restart, but the port may have changed: keep cluster-info's
    // server in step (the bootstrap signer re-signs it).
    if (store->Contains("/v1/configmaps", "kube-public", "cluster-info")) {
      store
          ->Update("/v1/configmaps", "kube-public", "cluster-info",
                   [&](const json& cur) {
                     json next = cur;
                     next["data"]["kubeconfig"] = cluster_info;
                     return StatusOr<json>(next);
                   })
          .status()
          .IgnoreError();
    }
    return OkStatus();
  }
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    JG_RETURN_IF_ERROR(EnsureObject(
        "/api/v1/namespaces", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}}));
  }
  if (!options.seed_kubeadm) return OkStatus();
  for (auto& obj : logic::BootstrapRbacObjects(options.autoapprove_binding)) {
    std::string kind = obj.value("kind", "");
    std::string collection = kind == "ClusterRole"          ? "clusterroles"
                             : kind == "ClusterRoleBinding" ? "clusterrolebindings"
                             : kind == "Role"               ? "roles"
                                                            : "rolebindings";
    std::string ns = obj["metadata"].value("namespace", "");
    std::string path = "/apis/rbac.authorization.k8s.io/v1/" +
                       (ns.empty() ? collection : "namespaces/" + ns + "/" + collection);
    JG_RETURN_IF_ERROR(EnsureObject(path, obj));
  }
  JG_RETURN_IF_ERROR(EnsureObject("/api/v1/namespaces/kube-public/configmaps",
                                  {{"apiVersion", "v1"},
                                   {"kind", "ConfigMap"},
                                   {"metadata", {{"name", "cluster-info"}, {"namespace", "kube-public"}}},
                                   {"data", {{"kubeconfig", cluster_info}}}}));
  JG_RETURN_IF_ERROR(
      EnsureObject("/api/v1/namespaces/kube-system/configmaps",
                   {{"apiVersion", "v1"},
                    {"kind", "ConfigMap"},
                    {"metadata", {{"name", "kubeadm-config"}, {"namespace", "kube-system"}}},
                    {"data", {{"ClusterConfiguration", ClusterConfigurationYaml(options.version_minor)}}}}));
  JG_RETURN_IF_ERROR(EnsureObject("/api/v1/namespaces/kube-system/configmaps",
                                  {{"apiVersion", "v1"},
                                   {"kind", "ConfigMap"},
                                   {"metadata", {{"name", "kubelet-config"}, {"namespace", "kube-system"}}},
                                   {"data", {{"kubelet", kKubeletConfigYaml}}}}));
  return OkStatus();
}

Sandbox::Sandbox(std::unique_ptr<SandboxImpl> impl) : impl_(std::move(impl)) {}

Sandbox::~Sandbox() {
  if (impl_) impl_->Stop().IgnoreError();
}

StatusOr<std::unique_ptr<Sandbox>> Sandbox::Start(const SandboxOptions& options) {
  auto impl = std::make_unique<SandboxImpl>();
  impl->options = options;
  if (options.clock) {
    impl->clock = options.clock;
  } else {
    impl->own_clock = std::make_unique<runtime::RealClock>();
    impl->clock = impl->own_clock.get();
  }
  const auto now = impl->clock->Now();
  if (!options.state_dir.empty()) JG_RETURN_IF_ERROR(files::MakeDirs(options.state_dir, 0700));
  JG_ASSIGN_OR_RETURN(auto ca,
                      LoadOrCreateCa(options.ca_cert_file, options.ca_key_file, options.state_dir, now));
  impl->ca.emplace(std::move(ca));
  impl->store = std::make_unique<Store>(*impl->clock, options.watch_window, options.max_retained_events);
  if (!options.state_dir.empty()) {
    auto state = files::ReadFile(options.state_dir + "/state.json", 1u << 30);
    if (state.ok()) {
      json snapshot = json::parse(*state, nullptr, false);
      if (snapshot.is_discarded()) {
        return DataLossError("sandbox: " + options.state_dir +
                             "/state.json is not valid JSON; delete it to start fresh");
      }
      JG_RETURN_IF_ERROR(impl->store->Restore(snapshot));
      impl->restored = true;
    } else if (state.status().code() != StatusCode::kNotFound) {
      return state.status();
    }
  }
  JG_ASSIGN_OR_RETURN(auto serving, IssueServingCert(*impl->ca, options.bind_address, now));
  SandboxImpl* raw = impl.get();
  ApiServerConfig cfg;
  cfg.registry = &impl->registry;
  cfg.store = impl->store.get();
  cfg.clock = impl->clock;
  cfg.ca_cert = &impl->ca->cert;
  cfg.version_minor = options.version_minor;
  cfg.bookmark_interval = options.bookmark_interval;
  cfg.admin_token = options.admin_token;
  cfg.server_address = [raw] {
    std::string url = raw->Url();
    return url.substr(8);
  };
  // Requests are served only once the server exists, so `server` is set whenever this runs.
  cfg.connection_stats = [raw] {
    return ConnectionStats{raw->server->tcp_connections_accepted(), raw->server->tls_handshakes_completed()};
  };
  impl->api = std::make_unique<ApiServer>(std::move(cfg));
  if (impl->restored) impl->api->RegisterStoredCustomResources();
  TlsMaterial tls{serving.cert_pem + impl->ca->cert_pem, serving.key_pem, impl->ca->cert_pem};
  JG_ASSIGN_OR_RETURN(impl->server, HttpsServer::Start(options.bind_address, options.port, tls,
                                                       [raw](const HttpRequest& req, ResponseWriter& w) {
                                                         raw->api->Handle(req, w);
                                                       }));
  JG_RETURN_IF_ERROR(impl->Seed());
  JG_ASSIGN_OR_RETURN(auto admin, IssueClientCertPem(*impl->ca, "kubernetes-admin", {"system:masters"}, now));
  impl->admin_kubeconfig = AdminKubeconfigYaml(impl->Url(), impl->ca->cert_pem, admin);
  if (!options.admin_kubeconfig_path.empty()) {
    JG_RETURN_IF_ERROR(files::WriteFileAtomic(options.admin_kubeconfig_path, impl->admin_kubeconfig, 0600));
  }
  if (options.run_controllers) {
    JG_ASSIGN_OR_RETURN(auto ca_key_pem, impl->ca->key.ToPem());
    JG_ASSIGN_OR_RETURN(auto ca_key_copy, crypto::PrivateKey::FromPem(ca_key_pem));
    impl->controllers = std::make_unique<Controllers>(
        *impl->store, *impl->api, *impl->clock, logic::CaMaterial{impl->ca->cert, std::move(ca_key_copy)},
        options.logger);
  }
  if (!options.state_dir.empty()) {
    impl->persister = std::make_unique<Persister>(*impl->store, options.state_dir + "/state.json");
    JG_RETURN_IF_ERROR(impl->persister->Flush());
  }
  if (options.logger) options.logger->Info("sandbox API server started", {{"url", impl->Url()}});
  return std::unique_ptr<Sandbox>(new Sandbox(std::move(impl)));
}

uint16_t Sandbox::port() const { return impl_->server->port(); }
std::string Sandbox::url() const { return impl_->Url(); }
const std::string& Sandbox::ca_pem() const { return impl_->ca->cert_pem; }
std::string Sandbox::admin_kubeconfig_yaml() const { return impl_->admin_kubeconfig; }

StatusOr<std::pair<std::string, std::string>> Sandbox::IssueClientCert(
    const std::string& user, const std::vector<std::string>& groups) {
  JG_ASSIGN_OR_RETURN(auto pair, IssueClientCertPem(*impl_->ca, user, groups, impl_->clock->Now()));
  return std::make_pair(pair.cert_pem, pair.key_pem);
}

Status Sandbox::CreateBootstrapToken(const TokenSpec& spec) {
  json data = json::object();
  auto put = [&](const std::string& k, const std::string& v) { data[k] = crypto::Base64Encode(v); };
  put("token-id", spec.id);
  put("token-secret", spec.secret);
  if (spec.usage_authentication) put("usage-bootstrap-authentication", "true");
  if (spec.usage_signing) put("usage-bootstrap-signing", "true");
  if (!spec.extra_groups.empty()) {
    std::string groups;
    for (const auto& g : spec.extra_groups) groups += (groups.empty() ? "" : ",") + g;
    put("auth-extra-groups", groups);
  }
  if (spec.expiration) put("expiration", logic::FormatRfc3339(*spec.expiration));
  if (!spec.description.empty()) put("description", spec.description);
  json secret = {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"metadata", {{"name", "bootstrap-token-" + spec.id}, {"namespace", "kube-system"}}},
                 {"type", "bootstrap.kubernetes.io/token"},
                 {"data", data}};
  auto created = CreateObjectForTest("/api/v1/namespaces/kube-system/secrets", std::move(secret));
  return created.status();
}

Status Sandbox::AddServiceAccountToken(const std::string& ns, const std::string& name,
                                       const std::string& token) {
  if (token.empty()) return InvalidArgumentError("sandbox: empty service account token");
  impl_->api->AddServiceAccountToken(ns, name, token);
  return OkStatus();
}

StatusOr<json> Sandbox::GetObjectForTest(const std::string& path) {
  auto t = impl_->api->ResolvePath(path);
  if (!t.type || t.name.empty()) return InvalidArgumentError("sandbox: not an object path: " + path);
  JG_ASSIGN_OR_RETURN(ObjectRef obj, impl_->api->Get(*t.type, t.ns, t.name));
  return obj->Parse();
}

StatusOr<json> Sandbox::CreateObjectForTest(const std::string& collection_path, json obj) {
  auto t = impl_->api->ResolvePath(collection_path);
  if (!t.type || !t.name.empty()) {
    return InvalidArgumentError("sandbox: not a collection path: " + collection_path);
  }
  JG_ASSIGN_OR_RETURN(ObjectRef created,
                      impl_->api->Create(*t.type, t.ns, std::move(obj), ApiServer::InternalAdmin(), true));
  return created->Parse();
}

Status Sandbox::DeleteObjectForTest(const std::string& path) {
  auto t = impl_->api->ResolvePath(path);
  if (!t.type || t.name.empty()) return InvalidArgumentError("sandbox: not an object path: " + path);
  return impl_->api->Delete(*t.type, t.ns, t.name, json::object()).status();
}

StatusOr<json> Sandbox::UpdateObjectForTest(const std::string& path, json obj) {
  auto t = impl_->api->ResolvePath(path);
  if (!t.type || t.name.empty()) return InvalidArgumentError("sandbox: not an object path: " + path);
  JG_ASSIGN_OR_RETURN(ObjectRef updated, impl_->api->Update(*t.type, t.ns, t.name, t.subresource,
                                                            std::move(obj), ApiServer::InternalAdmin()));
  return updated->Parse();
}

StatusOr<std::vector<json>> Sandbox::ListObjectsForTest(const std::string& collection_path) {
  auto t = impl_->api->ResolvePath(collection_path);
  if (!t.type || !t.name.empty()) {
    return InvalidArgumentError("sandbox: not a collection path: " + collection_path);
  }
  return impl_->store->List(t.type->Gvr(), t.ns).items;
}

void Sandbox::AddFault(const FaultRule& rule) { impl_->api->faults().Add(rule); }
void Sandbox::ClearFaults() { impl_->api->faults().Clear(); }
void Sandbox::CloseWatchesAfterEvents(int n) { impl_->api->faults().CloseWatchesAfterEvents(n); }
void Sandbox::ForceGoneOnNextWatch() { impl_->api->faults().ForceGoneOnNextWatch(); }
StatusOr<int> Sandbox::RemainingFaultCount(size_t rule_index) const {
  return impl_->api->faults().Remaining(rule_index);
}

int64_t Sandbox::CurrentResourceVersionForTest() const { return impl_->store->rv(); }

ConnectionStats Sandbox::Connections() const {
  return ConnectionStats{impl_->server->tcp_connections_accepted(),
                         impl_->server->tls_handshakes_completed()};
}

StatusOr<json> Sandbox::WaitForObjectForTest(const std::string& path, std::function<bool(const json&)> pred,
                                             std::chrono::milliseconds timeout) {
  auto t = impl_->api->ResolvePath(path);
  if (!t.type || t.name.empty()) return InvalidArgumentError("sandbox: not an object path: " + path);
  const std::string gvr = t.type->Gvr(), ns = t.ns, name = t.name;
  // Subscribe before the first read so no change can slip between check and wait.
  JG_ASSIGN_OR_RETURN(
      auto sub,
      impl_->store->Subscribe(
          [gvr, ns, name](const StoreEvent& e) { return e.gvr == gvr && e.ns == ns && e.name == name; }, -1));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::optional<json> last;
  while (true) {
    last = impl_->store->Get(gvr, ns, name);
    if (last && pred(*last)) {
      impl_->store->Unsubscribe(sub);
      return *last;
    }
    EventRef e;
    auto r = sub->Next(&e, deadline);
    if (r != Subscription::Result::kEvent) break;
  }
  impl_->store->Unsubscribe(sub);
  return DeadlineExceededError("sandbox: timed out after " + std::to_string(timeout.count()) +
                               "ms waiting for " + path +
                               (last ? "; last state: " + last->dump() : "; object does not exist"));
}

}  // namespace joinguard::sandbox

namespace joinguard::sandbox {

Status Sandbox::WaitForObjectDeletedForTest(const std::string& path, std::chrono::milliseconds timeout) {
  auto t = impl_->api->ResolvePath(path);
  if (!t.type || t.name.empty()) return InvalidArgumentError("sandbox: not an object path: " + path);
  const std::string gvr = t.type->Gvr(), ns = t.ns, name = t.name;
  JG_ASSIGN_OR_RETURN(
      auto sub,
      impl_->store->Subscribe(
          [gvr, ns, name](const StoreEvent& e) { return e.gvr == gvr && e.ns == ns && e.name == name; }, -1));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (!impl_->store->Contains(gvr, ns, name)) {
      impl_->store->Unsubscribe(sub);
      return OkStatus();
    }
    EventRef e;
    if (sub->Next(&e, deadline) != Subscription::Result::kEvent) break;
  }
  impl_->store->Unsubscribe(sub);
  return DeadlineExceededError("sandbox: timed out after " + std::to_string(timeout.count()) +
                               "ms waiting for " + path + " to be deleted");
}

}  // namespace joinguard::sandbox
