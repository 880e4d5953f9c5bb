#include "controller/manager.h"

#include <atomic>
#include <condition_variable>
#include <thread>
#include <vector>

#include "common/kube/api_error.h"
#include "common/kube/events.h"
#include "common/kube/informer.h"
#include "common/kube/leader_election.h"
#include "common/runtime/stop.h"
#include "controller/audit_log.h"
#include "controller/health_server.h"
#include "controller/kube_adapters.h"
#include "controller/metrics.h"
#include "controller/policy/serving_checks.h"
#include "controller/policy_source.h"
#include "controller/reconciler.h"
#include "controller/work_queue.h"

namespace joinguard::controller {
namespace {

std::string NormalizeAddress(const std::string& a) {
  if (!a.empty() && a.front() == ':') return "0.0.0.0" + a;
  return a;
}

std::string HostOf(const std::string& a) { return a.substr(0, a.rfind(':')); }

// How often the start-up wait for the caches checks for a stop request.
constexpr auto kSyncPollInterval = std::chrono::milliseconds(200);

// Writes are allowed without leader election, and with it only while the elector proves
// leadership (the last successful renew is younger than the renew deadline).
struct LeaderFence final : WriteFence {
  bool leader_elect = false;
  std::atomic<const kube::LeaderElector*> elector{nullptr};
  bool MayWrite() const override {
    if (!leader_elect) return true;
    const kube::LeaderElector* e = elector.load();
    return e != nullptr && e->MayWrite();
  }
};

}  // namespace

struct Manager::Impl {
  kube::Client& client;
  const ManagerOptions options;
  const runtime::Clock& clock;
  const runtime::Logger& logger;

  ControllerMetrics metrics;
  std::unique_ptr<MetricsServer> metrics_server;
  std::unique_ptr<HealthServer> health_server;
  std::unique_ptr<PolicyProvider> static_policy;
  std::unique_ptr<PolicyFileProvider> file_policy;
  const PolicyProvider* policy = nullptr;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<kube::EventRecorderImpl> events;
  std::unique_ptr<CsrInformer> csr_informer;
  std::unique_ptr<NodeInformer> node_informer;
  std::unique_ptr<NodeJoinInformer> node_join_informer;
  std::unique_ptr<InformerCsrLister> csr_lister;
  std::unique_ptr<InformerNodeLister> node_lister;
  std::unique_ptr<InformerNodeJoinLister> node_join_lister;
  std::unique_ptr<ClientCsrApi> csr_api;
  std::unique_ptr<ClientNodeJoinApi> node_join_api;
  LeaderFence fence;
  std::unique_ptr<JoinGate> owned_gate;  // from options.join_gate_factory; outlives the reconciler
  std::unique_ptr<CsrReconciler> reconciler;
  std::unique_ptr<WorkQueue> queue;

  std::atomic<bool> synced{false};
  int last_csr_watches = 0;
  int last_node_watches = 0;
  std::optional<bool> autoapprove_present;  // last observed; housekeeping thread only

  Impl(kube::Client& c, ManagerOptions o, const runtime::Clock& cl, const runtime::Logger& l)
      : client(c), options(std::move(o)), clock(cl), logger(l) {}

  void EnqueueAll() {
    for (const std::string& key : csr_informer->Keys()) queue->Add(key);
  }

  // The NodeJoin CRD must be installed: approvals are recorded there before they are written.
  void CheckNodeJoinCrd() {
    kube::ListOptions lo;
    lo.limit = 1;
    StatusOr<kube::Json> list = client.ListRaw(kube::resources::kNodeJoins, "", lo);
    if (list.ok()) return;
    if (kube::IsNotFound(list.status())) {
      logger.Error(
          "the NodeJoin CRD (nodejoins.joinguard.io) is not installed; no bootstrap CSR can be approved "
          "until it is: kubectl apply -f deploy/base/crds/nodejoins.yaml",
          {{"error", list.status().ToString()}});
    } else {
      logger.Warning("cannot check for the NodeJoin CRD", {{"error", list.status().ToString()}});
    }
  }

  void CheckAutoapproveBinding() {
    StatusOr<kube::ClusterRoleBinding> crb =
        client.Get<kube::ClusterRoleBinding>("", kAutoapproveBindingName);
    std::optional<bool> present;
    if (crb.ok()) {
      present = true;
    } else if (kube::IsNotFound(crb.status())) {
      present = false;
    } else {
      logger.Warning("cannot check for the kubeadm auto-approve ClusterRoleBinding",
                     {{"binding", std::string(kAutoapproveBindingName)}, {"error", crb.status().ToString()}});
      return;
    }
    metrics.SetAutoapproveBindingPresent(*present);
    if (present != autoapprove_present) {
      if (*present) {
        std::string text =
            "ClusterRoleBinding " + std::string(kAutoapproveBindingName) +
            " exists: kube-controller-manager auto-approves bootstrap CSRs before joinguard can "
            "decide. Delete it (kubectl delete clusterrolebinding " +
            std::string(kAutoapproveBindingName) + "); see the README's migration section";
        logger.Warning(text);
        health_server->SetDetail("autoapprove-binding", "WARNING " + text);
      } else {
        health_server->SetDetail("autoapprove-binding", "");
        if (autoapprove_present) logger.Info("the kubeadm auto-approve ClusterRoleBinding is gone");
      }
      autoapprove_present = present;
    }
  }

  void Housekeeping() {
    double pending = 0;
    for (const CsrPtr& c : csr_informer->List()) {
      if (c->spec.signer_name == policy::kKubeletClientSigner && !IsDecided(*c)) ++pending;
    }
    metrics.SetPending(pending);
    metrics.SetQueueDepth(static_cast<double>(queue->Len()));
    auto bump = [&](const kube::InformerStats& stats, int* last, const char* resource) {
      int restarts = std::max(0, stats.watches - 1);
      if (restarts > *last) metrics.IncWatchRestarts(resource, restarts - *last);
      *last = std::max(*last, restarts);
    };
    bump(csr_informer->GetStats(), &last_csr_watches, "certificatesigningrequests");
    bump(node_informer->GetStats(), &last_node_watches, "nodes");
  }

  void Worker(std::stop_token stop) {
    while (!stop.stop_requested()) {
      std::optional<std::string> key = queue->Get();
      if (!key) return;
      ReconcileResult r = reconciler->Reconcile(*key);
      switch (r.kind) {
        case ReconcileResult::Kind::kDone:
          queue->Forget(*key);
          metrics.RecordReconcile("success");
          break;
        case ReconcileResult::Kind::kRequeue:
          queue->AddRateLimited(*key);
          metrics.RecordReconcile("requeue");
          break;
        case ReconcileResult::Kind::kRequeueAfter:
          queue->Forget(*key);
          queue->AddAfter(*key, r.after);
          metrics.RecordReconcile("requeue");
          break;
        case ReconcileResult::Kind::kError:
          queue->AddRateLimited(*key);
          metrics.RecordReconcile("error");
          logger.Warning("reconcile failed; requeued", {{"csr", *key}, {"error", r.status.ToString()}});
          break;
      }
      queue->Done(*key);
    }
  }
};

Manager::Manager(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Manager::~Manager() = default;

int Manager::metrics_port() const { return impl_->metrics_server->port(); }
int Manager::health_port() const { return impl_->health_server->port(); }

StatusOr<std::unique_ptr<Manager>> Manager::Create(kube::Client& client, ManagerOptions options,
                                                   const runtime::Clock& clock,
                                                   const runtime::Logger& logger) {
  if (options.workers < 1) return InvalidArgumentError("--workers must be at least 1");
  auto impl = std::make_unique<Impl>(client, std::move(options), clock, logger);
  Impl& m = *impl;
  const ManagerOptions& o = m.options;

  // 1. Servers first, so probes and metrics answer while caches sync.
  std::string metrics_address = NormalizeAddress(o.metrics_address);
  JG_ASSIGN_OR_RETURN(m.metrics_server, MetricsServer::Create(metrics_address, m.metrics));
  std::string health_address = NormalizeAddress(o.health_address);
  JG_ASSIGN_OR_RETURN(m.health_server, HealthServer::Create(health_address));
  logger.Info("serving metrics",
              {{"address", HostOf(metrics_address) + ":" + std::to_string(m.metrics_server->port())},
               {"path", "/metrics"}});
  logger.Info("serving health probes",
              {{"address", HostOf(health_address) + ":" + std::to_string(m.health_server->port())},
               {"paths", "/healthz,/readyz"}});
  Impl* self = &m;
  m.health_server->AddReadyCheck("informers-synced", [self]() -> Status {
    return self->synced ? OkStatus() : UnavailableError("CSR and Node caches have not synced yet");
  });

  m.queue = std::make_unique<WorkQueue>(clock);

  // 2. Policy.
  if (o.policy_file.empty()) {
    m.static_policy = std::make_unique<StaticPolicyProvider>(policy::DefaultPolicy());
    m.policy = m.static_policy.get();
    m.metrics.SetPolicyGeneration(1);
    logger.Info("no --policy-file given; using the built-in default policy");
  } else {
    PolicyFileOptions po;
    po.path = o.policy_file;
    po.poll_interval = o.policy_poll_interval;
    po.allow_insecure = o.allow_insecure_policy;
    // A new policy may decide CSRs that were left pending: look at every CSR again.
    po.on_change = [self](const policy::Policy&) { self->EnqueueAll(); };
    JG_ASSIGN_OR_RETURN(m.file_policy, PolicyFileProvider::Create(po, m.metrics, logger));
    m.policy = m.file_policy.get();
  }

  // 3. Caches, events, reconciler.
  kube::InformerOptions csr_opts;
  csr_opts.name = "csr-informer";
  JG_ASSIGN_OR_RETURN(m.csr_informer, CsrInformer::Create(client, csr_opts, clock, logger));
  JG_RETURN_IF_ERROR(AddCsrIndexers(*m.csr_informer));
  kube::InformerOptions node_opts;
  node_opts.name = "node-informer";
  JG_ASSIGN_OR_RETURN(m.node_informer, NodeInformer::Create(client, node_opts, clock, logger));
  JG_RETURN_IF_ERROR(AddNodeIndexers(*m.node_informer));
  kube::InformerOptions node_join_opts;
  node_join_opts.name = "nodejoin-informer";
  JG_ASSIGN_OR_RETURN(m.node_join_informer, NodeJoinInformer::Create(client, node_join_opts, clock, logger));
  m.csr_informer->AddHandlers({
      [self](const kube::CertificateSigningRequest& c) { self->queue->Add(c.metadata.name); },
      [self](const kube::CertificateSigningRequest&, const kube::CertificateSigningRequest& c) {
        self->queue->Add(c.metadata.name);
      },
      [self](const kube::CertificateSigningRequest& c) { self->queue->Add(c.metadata.name); },
  });
  m.csr_lister = std::make_unique<InformerCsrLister>(*m.csr_informer);
  m.node_lister = std::make_unique<InformerNodeLister>(*m.node_informer);
  m.node_join_lister = std::make_unique<InformerNodeJoinLister>(*m.node_join_informer);
  m.csr_api = std::make_unique<ClientCsrApi>(client);
  m.node_join_api = std::make_unique<ClientNodeJoinApi>(client);
  m.fence.leader_elect = o.leader_elect;
  JG_ASSIGN_OR_RETURN(m.audit, AuditLog::Create(o.audit_out));
  kube::EventRecorderOptions eo;
  eo.source.component = "joinguard-controller";
  eo.source.host = o.identity;
  eo.reporting_instance = o.identity;
  m.events = std::make_unique<kube::EventRecorderImpl>(client, eo, clock, logger);

  ReconcilerDeps deps;
  deps.csrs = m.csr_lister.get();
  deps.nodes = m.node_lister.get();
  deps.node_joins = m.node_join_lister.get();
  deps.api = m.csr_api.get();
  deps.node_join_api = m.node_join_api.get();
  deps.fence = &m.fence;
  deps.gate = o.join_gate;
  if (o.join_gate_factory) {
    JoinGateParts parts{&client, m.policy, &m.metrics, [&fence = m.fence] { return fence.MayWrite(); }};
    JG_ASSIGN_OR_RETURN(m.owned_gate, o.join_gate_factory(parts));
    deps.gate = m.owned_gate.get();
  }
  // Serving CSRs are triaged always; the policy's serving.enabled decides whether the checks
  // handle them (off: ignored, no API call).
  deps.serving_checks = o.serving_checks != nullptr ? o.serving_checks : &policy::ServingChecks();
  deps.policy = m.policy;
  deps.events = m.events.get();
  deps.metrics = &m.metrics;
  deps.audit = m.audit.get();
  deps.clock = &clock;
  deps.logger = &logger;
  ReconcilerOptions ro;
  ro.dry_run_override = o.dry_run;
  ro.api_server_addresses = o.api_server_addresses;
  JG_ASSIGN_OR_RETURN(m.reconciler, CsrReconciler::Create(deps, ro));
  return std::unique_ptr<Manager>(new Manager(std::move(impl)));
}

Status Manager::Run(std::stop_token stop) {
  Impl& m = *impl_;
  const ManagerOptions& o = m.options;
  const runtime::Logger& log = m.logger;

  m.CheckAutoapproveBinding();
  if (m.file_policy) m.file_policy->Start();

  // 2. Caches.
  m.CheckNodeJoinCrd();
  m.csr_informer->Start();
  m.node_informer->Start();
  m.node_join_informer->Start();
  while (
      !(m.csr_informer->HasSynced() && m.node_informer->HasSynced() && m.node_join_informer->HasSynced())) {
    if (stop.stop_requested()) break;
    auto deadline = std::chrono::steady_clock::now() + kSyncPollInterval;
    m.csr_informer->WaitForSync(deadline);
    m.node_informer->WaitForSync(deadline);
    m.node_join_informer->WaitForSync(deadline);
  }
  if (!stop.stop_requested()) {
    m.synced = true;
    log.Info("caches synced", {{"csrs", std::to_string(m.csr_informer->Size())},
                               {"nodes", std::to_string(m.node_informer->Size())},
                               {"nodejoins", std::to_string(m.node_join_informer->Size())}});
  }

  std::jthread housekeeping([&m](std::stop_token st) {
    auto last_check = m.clock.MonotonicNow();
    while (runtime::WaitFor(st, m.options.housekeeping_interval)) {
      m.Housekeeping();
      if (m.clock.MonotonicNow() - last_check >= m.options.autoapprove_check_interval) {
        last_check = m.clock.MonotonicNow();
        m.CheckAutoapproveBinding();
      }
    }
  });

  // 3. Leader-gated workers.
  std::vector<std::jthread> workers;
  std::mutex workers_mu;  // guards workers
  auto start_workers = [&](std::stop_token leading) {
    std::lock_guard<std::mutex> l(workers_mu);
    for (int i = 0; i < o.workers; ++i) {
      workers.emplace_back([&m, leading](std::stop_token) { m.Worker(leading); });
    }
    log.Info("workers started", {{"workers", std::to_string(o.workers)}});
  };
  auto stop_workers = [&]() {
    m.queue->ShutDown();
    std::lock_guard<std::mutex> l(workers_mu);
    for (auto& w : workers) {
      if (w.joinable()) w.join();
    }
    workers.clear();
  };

  Status result = OkStatus();
  if (!stop.stop_requested()) {
    if (!o.leader_elect) {
      m.metrics.SetLeader(true);
      start_workers(stop);
      std::mutex mu;
      std::condition_variable_any cv;
      std::unique_lock<std::mutex> l(mu);
      cv.wait(l, stop, [] { return false; });
      stop_workers();
    } else {
      kube::LeaderElectionConfig lc;
      lc.lease_namespace = o.lease_namespace;
      lc.lease_name = o.lease_name;
      lc.identity = o.identity;
      lc.lease_duration = o.lease_duration;
      lc.renew_deadline = o.renew_deadline;
      lc.retry_period = o.retry_period;
      lc.release_on_cancel = true;
      std::atomic<bool> was_leader{false};
      lc.on_started_leading = [&](std::stop_token leading) {
        was_leader = true;
        m.metrics.SetLeader(true);
        log.Info("became leader",
                 {{"identity", o.identity}, {"lease", o.lease_namespace + "/" + o.lease_name}});
        // Level-based: everything in the cache is looked at again by the new leader.
        m.EnqueueAll();
        start_workers(leading);
      };
      lc.on_stopped_leading = [&]() {
        m.metrics.SetLeader(false);
        // Finish in-flight writes before the lease is released.
        stop_workers();
        log.Info("stopped leading", {{"identity", o.identity}});
      };
      lc.on_new_leader = [&](const std::string& id) {
        if (id != o.identity) log.Info("observed leader", {{"leader", id}});
      };
      StatusOr<std::unique_ptr<kube::LeaderElector>> elector =
          kube::LeaderElector::Create(m.client, lc, m.clock, log, m.events.get());
      if (!elector.ok()) {
        result = elector.status();
      } else {
        m.metrics.SetLeader(false);
        m.fence.elector = elector->get();
        (*elector)->Run(stop);
        if (!stop.stop_requested()) {
          result = AbortedError("leader election lost; exiting so the process restarts cleanly");
        }
      }
      stop_workers();
      m.fence.elector = nullptr;  // before the elector is destroyed
    }
  }

  m.fence.elector = nullptr;
  housekeeping.request_stop();
  housekeeping.join();
  m.audit->Stop();
  m.events->Stop(o.event_flush_deadline);
  if (m.file_policy) m.file_policy->Stop();
  m.csr_informer->Stop();
  m.node_informer->Stop();
  m.node_join_informer->Stop();
  m.metrics.SetLeader(false);
  return result;
}

}  // namespace joinguard::controller
